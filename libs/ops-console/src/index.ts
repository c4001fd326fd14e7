export { configFromEnv, type ConsoleConfig } from './config';
export { createConsoleApi, type ConsoleApiOptions } from './api/router';
export { authenticate, type Operator } from './api/auth';
export { AuditLog, migrateConsole, OPERATIONS_TOPIC } from './audit';
export { startConsole, UI_DIR, type RunningConsole } from './server';
export { openSources, type Sources } from './sources';
export { buildTimeline, findOrders, findRejections, type Timeline, type TimelineEvent } from './timeline';
export { formatTimeline } from './format';
