export * from './catalog';
export * from './envelope';
export * from './validation';
export * from './errors';
export * from './serde';
export type * from './generated/types';
export * from './provision';
