import type { KcsDatabase } from './connect.js'
import { connectionLostWith } from './lost-connections.js'

/** A transaction of a KcsDatabase (what `db.transaction` hands its callback). */
export type Tx = Parameters<Parameters<KcsDatabase['transaction']>[0]>[0]

/**
 * `db.transaction(work)`, keeping the reason a failed transaction failed:
 * - when `work` fails and the rollback fails too (the server went away mid-write), drizzle throws the rollback's
 *   failure; this throws the error `work` threw, with the rollback's failure on it as `rollbackError`;
 * - when the connection was lost while idle (a server restart sends 57P01 between two statements), the next
 *   statement fails with a bare "not queryable" error; the error the connection was lost with becomes its cause.
 * So a caller can tell a server restart from bad data by SQLSTATE and socket codes, never by message text.
 */
export async function inTransaction<T>(db: KcsDatabase, work: (tx: Tx) => Promise<T>): Promise<T> {
  let thrown: { error: unknown } | undefined
  let client: unknown
  try {
    return await db.transaction(async (tx) => {
      client = (tx as { session?: { client?: unknown } }).session?.client
      try {
        return await work(tx)
      } catch (error) {
        thrown = { error }
        throw error
      }
    })
  } catch (error) {
    let result = error
    if (thrown !== undefined && error !== thrown.error) {
      result = thrown.error
      if (result instanceof Error && !Object.hasOwn(result, 'rollbackError'))
        Object.defineProperty(result, 'rollbackError', { value: error, enumerable: false })
    }
    const lostWith = connectionLostWith(client)
    if (lostWith !== undefined) linkCause(result, lostWith)
    throw result
  }
}

/** Makes `reason` the cause of the innermost error of `error`'s cause chain (unless it is in the chain already). */
function linkCause(error: unknown, reason: unknown): void {
  let last: unknown
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e === reason) return
    last = e
  }
  if (last instanceof Error && last.cause === undefined && last !== reason)
    Object.defineProperty(last, 'cause', { value: reason, configurable: true, writable: true })
}
