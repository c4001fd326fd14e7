export { applyEvent, reservationOf, type ApplyContext } from './domain/projection';
export { MemoryStore } from './domain/memory-store';
export type * from './domain/types';
export { configFromEnv, type ProjectorConfig } from './config';
export { startProjector, migrate, type RunningProjector, type ProjectorParts } from './service';
export { AvailabilityFlusher, AVAILABILITY_TOPIC } from './publisher/flusher';
export { rebuildAndCompare, type RebuildReport } from './rebuild/rebuild';
export { normalise, INPUT_TOPICS } from './consumer/normalise';
