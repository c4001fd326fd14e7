export {
  startService,
  sessionSettings,
  migrateService,
  type ServiceDefinition,
  type ServiceContext,
  type ServiceComponent,
  type ConsumerDeclaration,
  type MigrationSet,
  type RunningService,
} from './service-kit';
export { runServiceMain, type ServiceMainOptions, type BaseServiceConfig } from './main';
