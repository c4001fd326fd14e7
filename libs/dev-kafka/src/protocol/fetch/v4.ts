import { fetchLayout } from './v11';

export const fetchV4 = fetchLayout(4);
