/**
 * A process that races for a PGlite directory's lock (no PGlite: the lock alone), for the lock tests. Prints
 * "armed"; on a line "go", tries the lock of the directory in argv and prints "won" or "lost <owner pid>"; on
 * "release", lets go of a won lock and prints "released".
 */
import { createInterface } from 'node:readline'
import { DatabaseLockedError } from '../errors.js'
import { acquirePgliteLock, type PgliteLock } from '../pglite-lock.js'

const dir = process.argv[2] as string
let lock: PgliteLock | undefined
process.stdout.write('armed\n')
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    try {
      lock = acquirePgliteLock(dir)
      process.stdout.write('won\n')
    } catch (error) {
      if (!(error instanceof DatabaseLockedError)) throw error
      process.stdout.write(`lost ${error.owner.pid}\n`)
    }
  } else if (line === 'release') {
    lock?.release()
    lock = undefined
    process.stdout.write('released\n')
  }
}
