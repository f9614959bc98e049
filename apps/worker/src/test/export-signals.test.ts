import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeStaleParts, STALE_PART_MS } from '../export/parts.js'
import { runCliInProcess } from '../test-utils/cli.js'
import { CLI_PATH, WORKER_DIR, waitFor } from '../test-utils/services.js'

// Item 5 of issue 14: Ctrl-C through `pnpm kcs-trade export` left a hidden `.part` file: the root script ran the tsx
// CLI, which relays the signal and SIGKILLs a child that has not acknowledged it within 30 ms (a busy export). A
// terminal sends SIGINT to the whole foreground process group: so do these tests.

const REPO = join(WORKER_DIR, '..', '..')
const root = mkdtempSync(join(tmpdir(), 'kcs-export-signals-'))
const mirror = join(root, 'mirror')

beforeAll(async () => {
  // ~90k rows: a Parquet export of them keeps the process busy for seconds.
  const demo = await runCliInProcess(['demo', '--dir', mirror, '--json'], { LOG_LEVEL: 'silent' })
  expect(demo.code, demo.stderr).toBe(0)
}, 180_000)
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Run {
  child: ChildProcess
  output: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A command in a process group of its own, as a shell runs a foreground job. */
function startGroup(command: string, args: string[], cwd: string): Run {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('KCS_')) env[k] = v
  env.DATABASE_URL = mirror
  env.LOG_LEVEL = 'warn'
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d) => {
    output += d
  })
  child.stderr?.on('data', (d) => {
    output += d
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  )
  return { child, output: () => output, exit }
}

/** Start the export, wait for its temporary file, Ctrl-C the group (`times` times), and see what is left. */
async function interrupt(
  start: (out: string) => Run,
  dir: string,
  format: 'csv' | 'parquet',
  times = 1,
): Promise<{ left: string[]; code: number | null; output: string }> {
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `rows.${format}`)
  const run = start(out)
  try {
    await waitFor(() => readdirSync(dir).some((f) => f.endsWith('.part')), 90_000, 'the .part file')
    for (let i = 0; i < times; i++) process.kill(-(run.child.pid as number), 'SIGINT')
    const { code } = await run.exit
    return { left: readdirSync(dir), code, output: run.output() }
  } finally {
    try {
      process.kill(-(run.child.pid as number), 'SIGKILL')
    } catch {
      // the group is gone
    }
  }
}

/** Nothing but a complete file (the export finished before the signal was seen) or nothing at all. */
function expectNothingPartial(r: { left: string[]; code: number | null; output: string }, format: string) {
  expect(
    r.left.filter((f) => f.endsWith('.part')),
    r.output,
  ).toEqual([])
  if (r.left.length > 0) {
    expect(r.left).toEqual([`rows.${format}`])
    expect(r.output).toMatch(/exported [\d,]+ rows/)
  } else expect(r.output).toMatch(/interrupted, nothing written|second SIGINT/)
}

describe('Ctrl-C during an export leaves no temporary file', () => {
  for (const format of ['parquet', 'csv'] as const) {
    it(`through 'pnpm kcs-trade export' (${format})`, async () => {
      const r = await interrupt(
        (out) => startGroup('pnpm', ['-s', 'kcs-trade', 'export', '--format', format, '--out', out], REPO),
        join(root, `pnpm-${format}`),
        format,
      )
      expectNothingPartial(r, format)
    }, 120_000)
  }

  it('through the binary’s entry (node running cli, no wrapper), and with a second Ctrl-C', async () => {
    const bin = (out: string) =>
      startGroup(
        process.execPath,
        ['--conditions=@kcs-trade/source', '--import', 'tsx', CLI_PATH, 'export', '--out', out],
        WORKER_DIR,
      )
    expectNothingPartial(await interrupt(bin, join(root, 'bin-once'), 'csv'), 'csv')
    const twice = await interrupt(bin, join(root, 'bin-twice'), 'csv', 2)
    expect(twice.left).toEqual([])
    expect(twice.code).toBe(130)
  }, 180_000)
})

describe('temporary files of exports killed outright', () => {
  it('are removed by the next export to the same file once their process is gone and they are stale', async () => {
    const dir = join(root, 'stale')
    mkdirSync(dir, { recursive: true })
    const out = join(dir, 'rows.csv')
    // A process that has exited: its id names no running process (ids are not reused this quickly).
    const gone = spawn(process.execPath, ['-e', '0'])
    await new Promise((r) => gone.on('exit', r))
    const dead = `.rows.csv.${gone.pid}-0123abcd.part`
    const fresh = `.rows.csv.${gone.pid}-89abcdef.part`
    const mine = `.rows.csv.${process.pid}-00000000.part`
    const other = `.other.csv.${gone.pid}-0123abcd.part`
    for (const name of [dead, fresh, mine, other]) writeFileSync(join(dir, name), 'partial')
    const old = (Date.now() - STALE_PART_MS - 60_000) / 1000
    for (const name of [dead, mine, other]) utimesSync(join(dir, name), old, old)
    expect(removeStaleParts(out)).toEqual([join(dir, dead)])
    expect(readdirSync(dir).sort()).toEqual([fresh, mine, other].sort())
    expect(removeStaleParts(join(root, 'missing-dir', 'x.csv'))).toEqual([])
  })
})
