/**
 * Classifies errors thrown by @kafkajs/confluent-schema-registry. Its HTTP layer (mappersmith)
 * reports transport failures (refused connection, reset, DNS) as status 400 with the socket error
 * text and no registry error body, so those read "Error, status 400: <socket error>"; a real
 * registry 4xx carries a JSON message instead.
 */
export interface RegistryFailure {
  kind: 'not_found' | 'unavailable' | 'rejected';
  status: number | undefined;
  message: string;
}

const TRANSPORT_FAILURE = /Error, status 400: /;

export function classifyRegistryError(error: unknown): RegistryFailure {
  const message = error instanceof Error ? error.message : String(error);
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined;
  // The HTTP layer turns every transport outcome into a status, so an error without one comes from
  // handling a registry answer (e.g. a schema that does not parse).
  if (status === undefined) return { kind: 'rejected', status, message };
  if (status === 404) return { kind: 'not_found', status, message };
  if (status >= 500 || status === 408 || status === 429 || (status === 400 && TRANSPORT_FAILURE.test(message))) {
    return { kind: 'unavailable', status, message };
  }
  return { kind: 'rejected', status, message };
}
