/** Service schema names go into SQL as identifiers, so only plain lower-case names are accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,54}$/;

export class InvalidSchemaNameError extends Error {
  constructor(name: string) {
    super(`schema name ${JSON.stringify(name)} must match ${SCHEMA_NAME.source}`);
    this.name = 'InvalidSchemaNameError';
  }
}

export function assertSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) throw new InvalidSchemaNameError(name);
  return name;
}

/** The NOTIFY channel the outbox trigger signals for this schema. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`;
}
