export {
  EffectExecutor,
  DEFAULT_AMBIGUITY_WINDOW_MS,
  defaultFailedRetryDelayMs,
  odooAmbiguityWindowMs,
  type ClaimedEffect,
  type CompletionContext,
  type EffectDefinition,
  type EffectErrorClass,
  type EffectExecutorOptions,
  type EffectOutcome,
} from './executor';
export { EffectStore, errorText, OPEN_STATES, type EffectCause, type EffectRow, type EffectState, type IntendedEffect } from './store';
export { migrateEffects, EFFECTS_MIGRATIONS_DIR, EFFECTS_MIGRATIONS_TABLE } from './migrate';
