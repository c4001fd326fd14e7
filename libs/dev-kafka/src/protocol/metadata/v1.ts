import { metadataLayout } from './v6';

export const metadataV1 = metadataLayout(1);
