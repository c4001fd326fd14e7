import { fetchLayout } from './v11';

export const fetchV9 = fetchLayout(9);
