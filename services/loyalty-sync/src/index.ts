export { configFromEnv, LOYALTY_TOPICS, type LoyaltySyncConfig } from './config';
export { startLoyaltySync, type LoyaltySync, type LoyaltySyncDeps } from './service';
export { migrateLoyaltySync, DEFAULT_SCHEMA } from './db/migrate';
export { EarningRules, DEFAULT_RULES, parseRules, rulesSchema, type LoyaltyRules } from './sync/rules';
export { movementKeys, MOVEMENT_KIND } from './sync/movement-effect';
export { targetReversal } from './sync/intents';
