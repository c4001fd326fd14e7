import { produceLayout } from './v7';

export const produceV3 = produceLayout(3);
