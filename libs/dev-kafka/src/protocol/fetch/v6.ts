import { fetchLayout } from './v11';

export const fetchV6 = fetchLayout(6);
