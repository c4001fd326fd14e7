export { configFromEnv, type PropagatorConfig } from './config';
export { startShipmentPropagator, buildExecutor, type ShipmentPropagator, type PropagatorDeps } from './service';
export { migratePropagator, DEFAULT_SCHEMA } from './db/migrate';
export { PropagatorStore } from './db/store';
export { ParkedPropagations } from './parked';
export { EFFECT_KINDS, effectKey, shipmentKeyOf, resolveLines, type PropagationPayload, type TargetKind } from './propagation';
export { signHook, SIGNATURE_HEADER, EVENT_ID_HEADER } from './channels/customer-hook';
