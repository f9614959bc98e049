import { createHash, randomBytes } from 'node:crypto'
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, join } from 'node:path'
import { DatabaseLockedError, type LockOwner } from './errors.js'

/**
 * The file inside a PGlite directory that names its owner. PGlite is one process's embedded Postgres: a second
 * process opening the same files writes over the first's pages and WAL and leaves a directory neither can open.
 */
export const PGLITE_LOCK_FILE = 'kcs-trade.lock'

interface LockRecord extends LockOwner {
  /** Unique per acquisition: what a takeover checks before it removes a stale lock. */
  nonce: string
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat field 22), to tell a reused pid. */
  startTime?: string
  /** The kernel's boot id: a lock written before a reboot is stale whatever its pid. */
  bootId?: string
}

interface ReadLock {
  record: LockRecord | undefined
  /** The nonce, or a hash of content that is not a lock record (an empty or foreign file). */
  identity: string
}

/** Locks this process holds, released on a normal exit when `close()` was not called. */
const held = new Map<string, string>()
let exitHookInstalled = false

/** A PGlite directory's lock, held by this process until `release()`. */
export interface PgliteLock {
  readonly file: string
  release(): void
}

/**
 * Takes the lock of a PGlite directory or throws `DatabaseLockedError` naming the live owner. A lock whose
 * process is gone (dead pid, reused pid, rebooted machine) is taken over; two processes taking over the same
 * stale lock at once cannot both win: the lock is only ever created with an atomic `link`, and a stale one is
 * removed only by the single holder of a guard file named after that very lock.
 */
export function acquirePgliteLock(directory: string): PgliteLock {
  const file = join(directory, PGLITE_LOCK_FILE)
  const record: LockRecord = {
    pid: process.pid,
    host: hostname(),
    command: commandLine(),
    since: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
    ...definedOnly({ startTime: processStartTime(process.pid), bootId: bootId() }),
  }
  const tmp = writeTemp(file, record)
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (tryLink(tmp, file)) {
        held.set(file, record.nonce)
        installExitHook()
        return { file, release: () => releaseLock(file, record.nonce) }
      }
      const existing = readLock(file)
      if (existing === undefined) continue // released between our link and our read
      if (existing.record && ownerAlive(existing.record, file))
        throw new DatabaseLockedError(directory, ownerView(existing.record), file)
      if (!removeStale(file, existing, 0)) pause(Math.min(50, 10 + attempt * 5)) // its guard holder finishes in microseconds
    }
  } finally {
    unlinkQuietly(tmp)
  }
  const last = readLock(file)?.record
  throw new DatabaseLockedError(directory, last ? ownerView(last) : {}, file)
}

function ownerView(r: LockRecord): LockOwner {
  return { pid: r.pid, host: r.host, command: r.command, since: r.since }
}

/**
 * Removes the stale lock `existing` if this process wins its guard. Returns false when another process holds
 * the guard (it is removing the same lock): the caller waits a moment and looks again.
 */
function removeStale(file: string, existing: ReadLock, depth: number): boolean {
  const guard = `${file}.takeover-${existing.identity}`
  const mine: LockRecord = {
    pid: process.pid,
    host: hostname(),
    command: '',
    since: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
    ...definedOnly({ startTime: processStartTime(process.pid), bootId: bootId() }),
  }
  const tmp = writeTemp(guard, mine)
  try {
    if (tryLink(tmp, guard)) {
      try {
        // Only a guard holder removes lock `identity`, and its owner is dead: nobody else can have replaced it
        // between this read and the unlink.
        if (readLock(file)?.identity === existing.identity) unlinkQuietly(file)
      } finally {
        unlinkQuietly(guard)
      }
      return true
    }
    const guardLock = readLock(guard)
    if (guardLock === undefined) return true
    // A taker that crashed while holding the guard: its guard is stale in turn.
    if (guardLock.record && ownerAlive(guardLock.record, guard)) return false
    return depth < 4 ? removeStale(guard, guardLock, depth + 1) : false
  } finally {
    unlinkQuietly(tmp)
  }
}

function releaseLock(file: string, nonce: string): void {
  if (held.get(file) !== nonce) return
  held.delete(file)
  // Never remove a lock that is no longer ours (someone deleted ours by hand and took the directory).
  if (readLock(file)?.record?.nonce === nonce) unlinkQuietly(file)
}

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const [file, nonce] of [...held]) releaseLock(file, nonce)
  })
}

/** Is the process that wrote `r` still running? Unknown counts as alive: refusing is safe, a takeover is not. */
function ownerAlive(r: LockRecord, file: string): boolean {
  if (!Number.isSafeInteger(r.pid) || r.pid <= 0) return false
  if (r.host !== hostname()) return true // another machine sharing the directory: cannot tell
  // Written by this very process: alive while a connection of ours holds it.
  if (r.pid === process.pid && r.startTime === processStartTime(process.pid))
    return held.get(file) === r.nonce
  const boot = bootId()
  if (r.bootId && boot && r.bootId !== boot) return false
  try {
    process.kill(r.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  if (r.startTime !== undefined) {
    const now = processStartTime(r.pid)
    if (now !== undefined && now !== r.startTime) return false // the pid now belongs to another process
  }
  return true
}

function readLock(file: string): ReadLock | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const record = parseRecord(text)
  return {
    record,
    identity: record ? record.nonce : createHash('sha256').update(text).digest('hex').slice(0, 24),
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockRecord> | null
    if (
      v &&
      typeof v.pid === 'number' &&
      typeof v.nonce === 'string' &&
      /^[0-9a-f]{24}$/.test(v.nonce) &&
      typeof v.host === 'string'
    )
      return {
        pid: v.pid,
        nonce: v.nonce,
        host: v.host,
        command: typeof v.command === 'string' ? v.command : '',
        since: typeof v.since === 'string' ? v.since : '',
        ...definedOnly({
          startTime: typeof v.startTime === 'string' ? v.startTime : undefined,
          bootId: typeof v.bootId === 'string' ? v.bootId : undefined,
        }),
      }
  } catch {
    // not a lock record: an empty or foreign file, stale by definition
  }
  return undefined
}

/** The record is complete on disk before it becomes the lock: `link` publishes a finished file atomically. */
function writeTemp(target: string, record: LockRecord): string {
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  writeFileSync(tmp, `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o644 })
  return tmp
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // already gone
  }
}

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

let cachedBootId: string | undefined | null = null
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined
    } catch {
      cachedBootId = undefined
    }
  }
  return cachedBootId
}

const SECRET_FLAG = /token|key|secret|passw|auth/i

/** This process's command line as the lock shows it to others: secrets (flag values, URL passwords) removed. */
function commandLine(): string {
  const [node, script, ...args] = process.argv
  const out: string[] = [basename(node ?? 'node')]
  if (script) out.push(script)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    const eq = arg.indexOf('=')
    if (arg.startsWith('-') && eq > 0 && SECRET_FLAG.test(arg.slice(0, eq)))
      out.push(`${arg.slice(0, eq)}=***`)
    else if (arg.startsWith('-') && eq < 0 && SECRET_FLAG.test(arg) && i + 1 < args.length) {
      out.push(arg, '***')
      i++
    } else out.push(arg.replace(/(\/\/[^/:@\s]*:)[^@/\s]*@/g, '$1***@'))
  }
  const text = out.join(' ')
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never
}
