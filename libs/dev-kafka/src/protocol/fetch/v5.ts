import { fetchLayout } from './v11';

export const fetchV5 = fetchLayout(5);
