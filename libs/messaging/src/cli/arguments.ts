/** Argument parsers shared by the messaging CLIs: a bad value is a commander usage error naming it. */
import { InvalidArgumentError } from 'commander';
import { assertSchemaName } from '../schema-name';

export function positiveInt(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

/** A PostgreSQL schema name the CLIs may interpolate into SQL. */
export function schemaName(value: string): string {
  try {
    return assertSchemaName(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}
