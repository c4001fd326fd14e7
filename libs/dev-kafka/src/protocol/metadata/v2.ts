import { metadataLayout } from './v6';

export const metadataV2 = metadataLayout(2);
