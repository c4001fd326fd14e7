import { produceLayout } from './v7';

export const produceV6 = produceLayout(6);
