import { fetchLayout } from './v11';

export const fetchV7 = fetchLayout(7);
