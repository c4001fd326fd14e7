import { fetchLayout } from './v11';

export const fetchV10 = fetchLayout(10);
