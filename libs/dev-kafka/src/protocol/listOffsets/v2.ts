import type { Codec } from '../codec';
import { listOffsetsV3, type ListOffsetsRequest, type ListOffsetsResponse } from './v3';

/** Same layout as v3, which only changed how clients treat throttling. */
export const listOffsetsV2: Codec<ListOffsetsRequest, ListOffsetsResponse> = { ...listOffsetsV3, version: 2 };
