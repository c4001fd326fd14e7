import type { Logger } from '@retail-backbone/observability';
import type { OrderIngestConfig } from '../config';
import type { IngestMetrics } from '../metrics';
import type { PosApiKeys } from '../pos/api-keys';
import type { IngestStore } from '../store/ingest-store';

/** What the routes need, built once by the service. */
export interface RouteContext {
  config: OrderIngestConfig;
  store: IngestStore;
  keys: PosApiKeys;
  logger: Logger;
  metrics: IngestMetrics;
}
