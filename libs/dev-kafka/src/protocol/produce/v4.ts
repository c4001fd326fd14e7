import { produceLayout } from './v7';

export const produceV4 = produceLayout(4);
