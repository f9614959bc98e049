import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from './connect.js'
import { DatabaseLockedError } from './errors.js'
import { migrate } from './migrate.js'
import { PGLITE_LOCK_FILE } from './pglite-lock.js'
import { tradeRows } from './read-rows.js'

const CHILD = fileURLToPath(new URL('./test-utils/pglite-child.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const YEAR = { from: '2025-01', to: '2025-12' }

/** A process of pglite-child.ts, with its output as it arrives. */
interface Child {
  process: ChildProcess
  stdout: string
  stderr: string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves when stdout has the line (or rejects when the process ends first). */
  line(text: string): Promise<void>
}

const children: ChildProcess[] = []
function start(dir: string, country: string, ...flags: string[]): Child {
  const proc = spawn(
    process.execPath,
    ['--conditions=@kcs-trade/source', '--import', 'tsx', CHILD, dir, country, ...flags],
    { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'pipe'] },
  )
  children.push(proc)
  const child: Child = {
    process: proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal }))),
    line: (text) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (child.stdout.split('\n').includes(text)) {
            proc.stdout?.off('data', check)
            resolve()
          }
        }
        proc.stdout?.on('data', check)
        check()
        void child.exited.then(() => {
          check()
          reject(new Error(`child ended before "${text}"; stdout: ${child.stdout} stderr: ${child.stderr}`))
        })
      }),
  }
  proc.stdout?.on('data', (d) => {
    child.stdout += d
  })
  proc.stderr?.on('data', (d) => {
    child.stderr += d
  })
  return child
}

/** The JSON error a child printed before exiting 3. */
function reported(child: Child): Record<string, unknown> & { owner: Record<string, unknown> } {
  const last = child.stderr.trim().split('\n').at(-1) ?? ''
  return JSON.parse(last)
}

let root: string
let template: string
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kcs-lock-'))
  // initdb on disk takes seconds: do it once and copy the closed directory for each test.
  template = join(root, 'template')
  const db = await connect(template)
  await migrate(db)
  await db.close()
}, 180_000)
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

let n = 0
function freshDir(): string {
  const dir = join(root, `db-${++n}`)
  cpSync(template, dir, { recursive: true })
  return dir
}

async function countries(dir: string): Promise<Record<string, number>> {
  const db = await connect(dir)
  try {
    const out: Record<string, number> = {}
    for (const r of await tradeRows(db, YEAR)) out[r.countryCode] = (out[r.countryCode] ?? 0) + 1
    return out
  } finally {
    await db.close()
  }
}

/** The pid of a process that has just ended (not reused in the few seconds a test takes). */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => p.on('close', r))
  return p.pid as number
}

describe('a PGlite directory has one owner at a time', () => {
  it('a second process gets DatabaseLockedError naming the owner, writes nothing, and the owner’s data is intact', async () => {
    const dir = freshDir()
    const owner = start(dir, 'US', '--hold')
    await owner.line('ready')
    const second = start(dir, 'CN')
    expect(await second.exited).toEqual({ code: 3, signal: null })
    expect(second.stdout).not.toContain('opened')
    const error = reported(second)
    expect(error).toMatchObject({
      name: 'DatabaseLockedError',
      code: 'DATABASE_LOCKED',
      typed: true,
      directory: dir,
    })
    expect(error.owner.pid).toBe(owner.process.pid)
    expect(error.owner.command).toContain('pglite-child.ts')
    expect(error.message).toContain(dir)
    expect(error.message).toContain(`process ${owner.process.pid}`)
    expect(error.hint).toMatch(/Stop process \d+ .*PostgreSQL/)
    expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(owner.process.pid)

    // A reader in another process (this one) is refused the same way.
    const refused = await connect(dir).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(DatabaseLockedError)
    expect((refused as DatabaseLockedError).owner.pid).toBe(owner.process.pid)

    owner.process.stdin?.write('close\n')
    expect(await owner.exited).toEqual({ code: 0, signal: null })
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false)
    expect(await countries(dir)).toEqual({ US: 5 })
  }, 120_000)

  it('the lock of a SIGKILLed owner is taken over by the next opener', async () => {
    const dir = freshDir()
    const owner = start(dir, 'US', '--hold')
    await owner.line('ready')
    owner.process.kill('SIGKILL')
    expect(await owner.exited).toEqual({ code: null, signal: 'SIGKILL' })
    // The crashed owner could not remove its lock.
    expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(owner.process.pid)

    const next = start(dir, 'CN')
    expect(await next.exited, next.stderr).toEqual({ code: 0, signal: null })
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false)
    expect(await countries(dir)).toEqual({ US: 5, CN: 5 })
  }, 120_000)

  it('the lock is released on a normal exit without close()', async () => {
    const dir = freshDir()
    const owner = start(dir, 'US', '--exit-without-close')
    expect(await owner.exited, owner.stderr).toEqual({ code: 0, signal: null })
    expect(owner.stdout).toContain('ready')
    expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false)
    expect(await countries(dir)).toEqual({ US: 5 })
  }, 120_000)

  it('of racing openers of a stale lock exactly one wins; the others are told who', async () => {
    const dir = freshDir()
    const stale = { pid: await deadPid(), host: (await import('node:os')).hostname(), nonce: 'f'.repeat(24) }
    writeFileSync(join(dir, PGLITE_LOCK_FILE), JSON.stringify(stale))
    const racers = ['US', 'CN', 'JP'].map((c) => start(dir, c, '--wait-go', '--hold'))
    await Promise.all(racers.map((r) => r.line('armed')))
    for (const r of racers) r.process.stdin?.write('go\n')
    // Each racer either owns the directory ("ready") or has exited with the typed error.
    const outcomes = await Promise.all(
      racers.map((r) =>
        Promise.race([r.line('ready').then(() => 'won' as const), r.exited.then(() => 'lost' as const)]),
      ),
    )
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1)
    const winner = racers[outcomes.indexOf('won')] as Child
    for (const [i, r] of racers.entries()) {
      if (outcomes[i] === 'won') continue
      expect((await r.exited).code).toBe(3)
      expect(reported(r)).toMatchObject({ code: 'DATABASE_LOCKED', owner: { pid: winner.process.pid } })
    }
    winner.process.stdin?.write('close\n')
    expect((await winner.exited).code).toBe(0)
    const winnerCountry = ['US', 'CN', 'JP'][outcomes.indexOf('won')] as string
    expect(await countries(dir)).toEqual({ [winnerCountry]: 5 })
  }, 120_000)

  it('four processes taking over a stale lock, 40 rounds: exactly one owner each round', async () => {
    const dir = join(root, 'race-lock-only')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(dir)
    const RACER = fileURLToPath(new URL('./test-utils/lock-racer.ts', import.meta.url))
    const racers = Array.from({ length: 4 }, () => {
      const proc = spawn(
        process.execPath,
        ['--conditions=@kcs-trade/source', '--import', 'tsx', RACER, dir],
        {
          cwd: PACKAGE_DIR,
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      )
      children.push(proc)
      const racer = { proc, lines: [] as string[], waiters: [] as Array<() => void> }
      let buffer = ''
      proc.stdout.on('data', (d) => {
        buffer += d
        const parts = buffer.split('\n')
        buffer = parts.pop() ?? ''
        racer.lines.push(...parts)
        for (const w of racer.waiters.splice(0)) w()
      })
      return racer
    })
    type Racer = (typeof racers)[number]
    /** The next line of a racer's output (event-driven: no polling, no sleeps). */
    const next = (r: Racer): Promise<string> =>
      new Promise((resolve) => {
        const take = () => (r.lines.length > 0 ? resolve(r.lines.shift() as string) : r.waiters.push(take))
        take()
      })
    for (const r of racers) expect(await next(r)).toBe('armed')
    const host = (await import('node:os')).hostname()
    for (let round = 0; round < 40; round++) {
      // A dead owner's lock, a fresh identity each round.
      const stale = {
        pid: await deadPid(),
        host,
        command: 'gone',
        since: '',
        nonce: round.toString(16).padStart(24, '0'),
      }
      writeFileSync(join(dir, PGLITE_LOCK_FILE), JSON.stringify(stale))
      for (const r of racers) r.proc.stdin.write('go\n')
      const results = await Promise.all(racers.map(next))
      const winners = racers.filter((_, i) => results[i] === 'won')
      expect(winners, `round ${round}: ${results.join(', ')}`).toHaveLength(1)
      const winner = winners[0] as Racer
      for (const result of results) if (result !== 'won') expect(result).toBe(`lost ${winner.proc.pid}`)
      expect(JSON.parse(readFileSync(join(dir, PGLITE_LOCK_FILE), 'utf8')).pid).toBe(winner.proc.pid)
      winner.proc.stdin.write('release\n')
      expect(await next(winner)).toBe('released')
      expect(existsSync(join(dir, PGLITE_LOCK_FILE))).toBe(false)
    }
    for (const r of racers) r.proc.stdin.end()
    // No guard or temporary file is left behind.
    const { readdirSync } = await import('node:fs')
    expect(readdirSync(dir)).toEqual([])
  }, 120_000)

  it('tells a live owner from a dead or reused pid, and treats a foreign file as stale', async () => {
    const dir = freshDir()
    const file = join(dir, PGLITE_LOCK_FILE)
    const host = (await import('node:os')).hostname()
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    children.push(sleeper)
    const pid = sleeper.pid as number
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    const base = { pid, host, command: 'node sleeper', since: '2026-01-01T00:00:00.000Z' }

    writeFileSync(file, JSON.stringify({ ...base, startTime, nonce: 'a'.repeat(24) }))
    const live = await connect(dir).catch((e: unknown) => e)
    expect(live).toBeInstanceOf(DatabaseLockedError)
    expect((live as DatabaseLockedError).message).toContain(`process ${pid} (node sleeper)`)

    // Same pid, another start time: the pid was reused by another program after the owner died.
    for (const content of [
      JSON.stringify({ ...base, startTime: `${startTime}0`, nonce: 'b'.repeat(24) }),
      JSON.stringify({ ...base, pid: await deadPid(), nonce: 'c'.repeat(24) }),
      '',
      'not a lock',
    ]) {
      writeFileSync(file, content)
      const db = await connect(dir)
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid)
      await db.close()
      expect(existsSync(file)).toBe(false)
    }
    sleeper.kill('SIGKILL')
  }, 120_000)

  it('a second connection in the same process is refused too', async () => {
    const dir = freshDir()
    const db = await connect(dir)
    try {
      const again = await connect(dir).catch((e: unknown) => e)
      expect(again).toBeInstanceOf(DatabaseLockedError)
      expect((again as DatabaseLockedError).hint).toContain('already has')
    } finally {
      await db.close()
    }
    const reopened = await connect(dir)
    await reopened.close()
  }, 120_000)
})
