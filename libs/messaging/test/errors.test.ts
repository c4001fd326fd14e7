import { DecodeError, RegistryUnavailableError } from '@retail-backbone/contracts';
import { classifyFailure, isInfrastructureError, NonRetryableError } from '../src/errors';

/** An error shaped like node-pg's DatabaseError: a message and a SQLSTATE `code`. */
function sqlError(code: string): Error {
  return Object.assign(new Error(`sqlstate ${code}`), { code, severity: 'ERROR' });
}

function syscallError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

describe('classifyFailure', () => {
  it.each(['08006', '08003', '57P01', '57P02', '57P03', '53300', '53400', '40P01', '40001', '57014', '55P03', '25P03', '58030'])(
    'SQLSTATE %s is infrastructure',
    (code) => expect(classifyFailure(sqlError(code))).toBe('infrastructure'),
  );

  it.each(['ECONNREFUSED', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EAI_AGAIN'])('socket error %s is infrastructure', (code) =>
    expect(classifyFailure(syscallError(code))).toBe('infrastructure'),
  );

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('node-pg error without SQLSTATE "%s" is infrastructure', (message) => expect(classifyFailure(new Error(message))).toBe('infrastructure'));

  it.each(['23505', '22P02', '42P01', '23503'])('SQLSTATE %s (a statement or data error) is not infrastructure', (code) =>
    expect(classifyFailure(sqlError(code))).toBe('transient'),
  );

  it('an outage wrapped as the cause of another error is infrastructure', () => {
    const wrapped = new Error('storage unavailable', { cause: new Error('Connection terminated unexpectedly') });
    expect(isInfrastructureError(wrapped)).toBe(true);
    expect(classifyFailure(new NonRetryableError('bad', 'X', { cause: syscallError('ECONNREFUSED') }))).toBe('infrastructure');
  });

  it('registry unavailable is infrastructure; kafkajs retriable errors are infrastructure', () => {
    expect(classifyFailure(new RegistryUnavailableError('registry down', 503))).toBe('infrastructure');
    const kafkaError = Object.assign(new Error('There is no leader for this topic-partition'), { name: 'KafkaJSProtocolError', retriable: true });
    expect(classifyFailure(kafkaError)).toBe('infrastructure');
  });

  it('a schema id the registry answered 404 for is transient (follower lag), a malformed one is poison', () => {
    const lagging = new DecodeError('UNKNOWN_SCHEMA_ID', 'schema id 7 is not in the registry', { schemaId: 7, cause: new Error('404') });
    expect(classifyFailure(lagging)).toBe('transient');
    expect(classifyFailure(new DecodeError('UNKNOWN_SCHEMA_ID', 'schema id 0 cannot exist', { schemaId: 0 }))).toBe('poison');
    expect(classifyFailure(new DecodeError('BAD_MAGIC_BYTE', 'magic byte is 3'))).toBe('poison');
  });

  it('a plain error is transient and a cyclic cause chain terminates', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyFailure(a)).toBe('transient');
    expect(classifyFailure('boom')).toBe('transient');
  });
});
