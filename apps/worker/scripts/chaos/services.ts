/**
 * Private services for the chaos and soak suites: a redis-server child and a PostgreSQL cluster of their own, on free
 * ports, in a temporary directory — so that they can be stopped and restarted without touching the machine's shared
 * Redis (6379) and PostgreSQL (5432). Worker processes are real `kcs-trade worker` processes (tsx over the sources).
 * Everything is removed on every exit path (normal end, error, SIGINT/SIGTERM).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  chownSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../src/test-utils/net.js'

export class SetupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message)
    this.name = 'SetupError'
  }
}

export { freePort }

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/* ------------------------------------------------------------------ cleanup ---------------------------------------------------------------- */

type Cleanup = { name: string; async: () => Promise<void>; sync: () => void }
const cleanups: Cleanup[] = []
let cleaning: Promise<void> | undefined

/** Registers something to undo at exit (run in reverse order). */
export function onCleanup(name: string, async: () => Promise<void>, sync: () => void): void {
  cleanups.push({ name, async, sync })
}

/** Runs every registered cleanup once (reverse order); safe to call more than once. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const c = cleanups.pop()!
      try {
        await c.async()
      } catch (error) {
        process.stderr.write(`cleanup of ${c.name} failed: ${(error as Error).message}\n`)
        try {
          c.sync()
        } catch {
          // nothing more to do
        }
      }
    }
  })()
  return cleaning
}

/** Installs signal and exit handlers that clean up (a second signal exits at once, still cleaning synchronously). */
export function installExitHandlers(): void {
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    process.stderr.write(`\n${signal}: stopping and cleaning up…\n`)
    if (signals > 1) process.exit(130)
    void cleanupAll().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  process.on('exit', () => {
    // Last resort when the async cleanup did not run (uncaught error, process.exit): synchronous undo.
    while (cleanups.length > 0) {
      try {
        cleanups.pop()!.sync()
      } catch {
        // keep going
      }
    }
  })
}

/* ------------------------------------------------------------------ temp dir ---------------------------------------------------------------- */

export function makeRunDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kcs-${name}-`))
  onCleanup(
    'temporary directory',
    async () => rmSync(dir, { recursive: true, force: true }),
    () => rmSync(dir, { recursive: true, force: true }),
  )
  return dir
}

/* ------------------------------------------------------------------ redis ------------------------------------------------------------------ */

export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** Stop the server (SIGTERM: it writes its append-only file and exits). */
  stop(): Promise<void>
  start(): Promise<void>
}

function commandPath(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

/**
 * A redis-server child on a free port with `appendonly yes` and `appendfsync always` in the run directory: every
 * write is on disk before Redis answers, so BullMQ's jobs and the quota counters survive a stop and start.
 */
export async function startPrivateRedis(
  runDir: string,
  options: { persistent?: boolean } = {},
): Promise<PrivateRedis> {
  const bin = commandPath('redis-server')
  if (!bin) {
    throw new SetupError(
      'redis-server is not on PATH: the suite runs a private Redis it can restart',
      'install it (apt-get install redis-server) — the shared Redis on 6379 is not used',
    )
  }
  const port = await freePort()
  const dir = join(runDir, 'redis')
  spawnSync('mkdir', ['-p', dir])
  let child: ChildProcess | undefined
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    options.persistent === false ? 'no' : 'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    join(dir, 'redis.log'),
  ]
  const ping = () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim()
  const start = async () => {
    child = spawn(bin, args, { stdio: 'ignore' })
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new SetupError('redis-server exited at start', `see ${dir}/redis.log`)
      if (ping() === 'PONG') return
      await sleep(50)
    }
    throw new SetupError('redis-server did not answer within 15 s', `see ${dir}/redis.log`)
  }
  const stop = async () => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise<void>((r) => c.once('exit', () => r()))
    c.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000)])
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    await exited
  }
  await start()
  onCleanup('private redis-server', stop, () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
  })
  return { port, url: `redis://127.0.0.1:${port}`, stop, start }
}

/* ---------------------------------------------------------------- postgres ----------------------------------------------------------------- */

export interface PrivatePostgres {
  readonly port: number
  readonly url: string
  /** `pg_ctl stop -m immediate` (like a crash: open connections are cut, WAL recovery on start). */
  stop(): Promise<void>
  start(): Promise<void>
}

function postgresBinDir(): string | undefined {
  const fromEnv = process.env.KCS_PG_BINDIR
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
    if (versions.length > 0) return join(root, versions[0]!, 'bin')
  }
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' })
  if (r.status === 0 && existsSync(join(r.stdout.trim(), 'initdb'))) return r.stdout.trim()
  return undefined
}

/**
 * A PostgreSQL cluster of our own: `initdb` in the run directory, `pg_ctl start` on a free port with its socket in the
 * run directory. As root, the binaries run as the `postgres` user (PostgreSQL refuses to run as root).
 */
export async function startPrivatePostgres(runDir: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir()
  if (!bin) {
    throw new SetupError(
      'PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin, KCS_PG_BINDIR or pg_config',
      'install them (apt-get install postgresql) — the suite runs a private cluster it can restart; the shared one on 5432 is not used',
    )
  }
  const asRoot = process.getuid?.() === 0
  let uid = 0
  let gid = 0
  if (asRoot) {
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
      gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    } catch {
      throw new SetupError(
        'running as root but there is no postgres user to run PostgreSQL as',
        'install the postgresql package (it creates the user) or run the suite as a normal user',
      )
    }
  }
  const dir = join(runDir, 'pg')
  spawnSync('mkdir', ['-p', dir])
  if (asRoot) {
    chownSync(runDir, uid, gid)
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  const log = join(dir, 'pg.log')
  const port = await freePort()
  const run = (tool: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(bin, tool)
    const full = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args
    return spawnSync(cmd, full, { encoding: 'utf8', cwd: dir })
  }
  const init = run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'])
  if (init.status !== 0) {
    throw new SetupError(
      `initdb failed: ${(init.stderr || init.stdout).trim().slice(-500)}`,
      'see the message above',
    )
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`
  let running = false
  const start = async () => {
    const r = run('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start'])
    if (r.status !== 0) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-800) : ''
      throw new SetupError(`pg_ctl start failed: ${(r.stderr || r.stdout).trim()}\n${tail}`, `see ${log}`)
    }
    running = true
  }
  const stopSync = () => {
    if (!running) return
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    running = false
  }
  const stop = async () => stopSync()
  await start()
  onCleanup('private PostgreSQL', stop, stopSync)
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, start }
}

/* ----------------------------------------------------------------- workers ----------------------------------------------------------------- */

const CLI_PATH = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
const WORKER_DIR = fileURLToPath(new URL('../..', import.meta.url))

export interface WorkerProcess {
  readonly id: number
  readonly child: ChildProcess
  readonly pid: number
  /** JSON log lines seen so far (parsed), newest last; capped. */
  readonly lines: Array<Record<string, unknown>>
  /** Counters of notable log messages. */
  readonly counts: { synced: number; circuitOpened: number; circuitClosed: number; failedForGood: number }
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  alive(): boolean
}

/** Starts `kcs-trade worker --concurrency N` as a real process with this environment (plus PATH and HOME). */
export function startWorker(
  id: number,
  env: Record<string, string>,
  concurrency: number,
  logDir?: string,
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@kcs-trade/source',
      '--import',
      'tsx',
      CLI_PATH,
      'worker',
      '--concurrency',
      String(concurrency),
    ],
    {
      cwd: WORKER_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: Array<Record<string, unknown>> = []
  const counts = { synced: 0, circuitOpened: 0, circuitClosed: 0, failedForGood: 0 }
  let buffer = ''
  let log: NodeJS.WritableStream | undefined
  if (logDir) {
    mkdirSync(logDir, { recursive: true })
    log = createWriteStream(join(logDir, `worker-${id}.log`))
  }
  const onData = (d: Buffer) => {
    log?.write(d)
    buffer += d.toString('utf8')
    let nl = buffer.indexOf('\n')
    while (nl >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      nl = buffer.indexOf('\n')
      let parsed: Record<string, unknown>
      try {
        parsed = JSON.parse(line) as Record<string, unknown>
      } catch {
        parsed = { msg: line }
      }
      const msg = String(parsed.msg ?? '')
      if (msg === 'slice synced') counts.synced++
      else if (parsed.circuit === 'opened') counts.circuitOpened++
      else if (parsed.circuit === 'closed') counts.circuitClosed++
      else if (msg.startsWith('job failed for good')) counts.failedForGood++
      if (msg !== 'slice synced') {
        lines.push(parsed)
        if (lines.length > 400) lines.splice(0, lines.length - 400)
      }
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const alive = () => child.exitCode === null && child.signalCode === null
  onCleanup(
    `worker ${id}`,
    async () => {
      if (!alive()) return
      child.kill('SIGKILL')
      await exited
    },
    () => {
      if (alive()) child.kill('SIGKILL')
    },
  )
  return { id, child, pid: child.pid ?? -1, lines, counts, exited, alive }
}

/** Resident set size of a process in MB (from /proc), or NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status)
    return m ? Number(m[1]) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

/** Deterministic PRNG (mulberry32) for the seeded schedule. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Waits for `check` to hold, polling; false on timeout. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if (await check()) return true
    } catch {
      // services may be restarting
    }
    await sleep(everyMs)
  }
  return false
}

/** Rejects after `ms` (for calls into a service that may be down). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out`)), ms).unref()),
  ])
}

/**
 * Runs a suite's main and exits with its code: 2 with a hint for a SetupError (a missing binary, a
 * port), 1 with the stack for anything else; the private servers and temp dirs are cleaned up on
 * every path.
 */
export async function runSuite(name: string, main: () => Promise<number>): Promise<never> {
  let code = 1
  try {
    code = await main()
  } catch (error) {
    if (error instanceof SetupError) {
      process.stderr.write(`${name}: ${error.message}\nhint: ${error.hint}\n`)
      code = 2
    } else {
      process.stderr.write(`${name}: ${(error as Error).stack ?? String(error)}\n`)
      code = 1
    }
  } finally {
    await cleanupAll()
  }
  process.exit(code)
}
