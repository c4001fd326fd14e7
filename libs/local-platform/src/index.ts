export { startPlatform, REPO_ROOT, type PlatformOptions, type RunningPlatform, type ServiceEndpoint } from './launcher';
export { ensurePosApiKey } from './pos-key';
export { SERVICES, type ServiceDefinition } from './services';
export * from './traffic';
export { Supervisor, type ServiceStatus, type SupervisorOptions } from './supervisor';
export { buildPlan, ordersIn, seededRandom, type Step, type StepKind, type Wave } from './demo/plan';
export { eventually } from './eventually';
