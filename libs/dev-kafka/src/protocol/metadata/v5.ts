import { metadataLayout } from './v6';

export const metadataV5 = metadataLayout(5);
