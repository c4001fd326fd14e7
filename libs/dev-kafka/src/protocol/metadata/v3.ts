import { metadataLayout } from './v6';

export const metadataV3 = metadataLayout(3);
