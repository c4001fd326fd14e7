import { metadataLayout } from './v6';

export const metadataV4 = metadataLayout(4);
