import { produceLayout } from './v7';

export const produceV5 = produceLayout(5);
