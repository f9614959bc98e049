/**
 * The error each PostgreSQL connection was lost with. A server restart or `pg_terminate_backend` reaches an idle
 * connection as an 'error' event (SQLSTATE 57P01, or a socket error); the next query on it then fails with a bare
 * "not queryable" error that says neither why nor that it was an outage. `connect` records the event here and
 * `inTransaction` puts it back in the cause chain.
 */
const lost = new WeakMap<object, unknown>()

export function noteConnectionLost(client: object, error: unknown): void {
  if (!lost.has(client)) lost.set(client, error)
}

export function connectionLostWith(client: unknown): unknown {
  return typeof client === 'object' && client !== null ? lost.get(client) : undefined
}
