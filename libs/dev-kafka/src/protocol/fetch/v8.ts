import { fetchLayout } from './v11';

export const fetchV8 = fetchLayout(8);
