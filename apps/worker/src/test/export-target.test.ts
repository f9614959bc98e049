/**
 * `export --out` writes a regular file or a new path, nothing else (issue 14, item 3). Run as root (as
 * CI is), the export used to rename its temporary file over whatever was there: `/dev/null`, a FIFO,
 * a symbolic link all became regular files (exit 0). And a write that fails (a full disk, a file-size
 * limit) must fail the export with a clear error and leave no `.part` file.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../config/logger.js'
import { createClientFetcher, createDbStore, openDatabase, planBackfill } from '../sync/engine.js'
import { runInline } from '../sync/inline.js'
import { memoryLimits } from '../sync/runtime.js'
import { runCliInProcess } from '../test-utils/cli.js'
import {
  available,
  CLI_PATH,
  createTestDatabase,
  smallCountries,
  WORKER_DIR,
} from '../test-utils/services.js'

const KEY = 'export-target-key-0123456789'
const tmp = mkdtempSync(join(tmpdir(), 'kcs-export-target-'))
const mirrorDir = join(tmp, 'mirror')
const outDir = join(tmp, 'out')
let emu: Emulator

beforeAll(async () => {
  emu = await createEmulator({ port: 0, seed: 5, keys: [KEY], ratePerSecond: 30 })
  // A PGlite mirror with rows, so that an export that is not refused would really write.
  const demo = await runCliInProcess(
    ['demo', '--dir', mirrorDir, '--country', 'AD', '--from', '2025-01', '--to', '2025-01', '--json'],
    {},
  )
  expect(demo.code, demo.stderr).toBe(0)
  execFileSync('mkdir', ['-p', outDir])
}, 120_000)
afterAll(async () => {
  await emu?.close()
  rmSync(tmp, { recursive: true, force: true })
})

/** What is at a path: 'file', 'char', 'fifo', 'link', 'socket', 'dir' or 'missing'. */
function kind(path: string): string {
  try {
    const s = lstatSync(path)
    if (s.isSymbolicLink()) return 'link'
    if (s.isCharacterDevice()) return 'char'
    if (s.isFIFO()) return 'fifo'
    if (s.isSocket()) return 'socket'
    if (s.isDirectory()) return 'dir'
    return s.isFile() ? 'file' : 'other'
  } catch {
    return 'missing'
  }
}

/** `kcs-trade export --out <out>` on the mirror; asserts a refused export: exit 2, what is there, a hint, nothing else. */
async function refused(out: string, what: RegExp, hint = /^hint: .*--out - \(stdout\)/m) {
  const before = kind(out)
  const run = await runCliInProcess(['export', '--out', out, '--format', 'csv'], { DATABASE_URL: mirrorDir })
  expect(run.code, run.stderr).toBe(2)
  expect(run.stderr).toMatch(what)
  expect(run.stderr).toMatch(hint)
  expect(run.stdout).toBe('')
  expect(kind(out), `${out} is still what it was`).toBe(before)
  expect(readdirSync(outDir).filter((f) => f.endsWith('.part'))).toEqual([])
}

describe('export --out: a regular file or a new path only', () => {
  it('writes a new file and replaces a regular one', async () => {
    const out = join(outDir, 'rows.csv')
    writeFileSync(out, 'old\n')
    const run = await runCliInProcess(['export', '--out', out], { DATABASE_URL: mirrorDir })
    expect(run.code, run.stderr).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/^period,country_code,/)
  })

  it('refuses a FIFO, a symbolic link, a socket and device nodes; /dev/null and /dev/full stay devices', async () => {
    // Private nodes first: on code that replaced them, the test fails here, before /dev/null is reached.
    const fifo = join(outDir, 'pipe.csv')
    execFileSync('mkfifo', [fifo])
    await refused(fifo, /--out .*pipe\.csv is a FIFO \(named pipe\), not a regular file/)

    const target = join(outDir, 'target.csv')
    writeFileSync(target, 'keep me\n')
    const link = join(outDir, 'link.csv')
    symlinkSync(target, link)
    await refused(
      link,
      /link\.csv is a symbolic link, not a regular file/,
      /^hint: give the path of the file itself/m,
    )
    expect(readFileSync(target, 'utf8')).toBe('keep me\n')
    // A dangling link would also have been replaced by the rename.
    const dangling = join(outDir, 'dangling.csv')
    symlinkSync(join(outDir, 'nowhere.csv'), dangling)
    await refused(dangling, /dangling\.csv is a symbolic link/, /^hint: give the path/m)

    const socketPath = join(outDir, 'sock.csv')
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    try {
      await refused(socketPath, /sock\.csv is a socket, not a regular file/)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }

    // A device node of our own (root can make one; elsewhere this part is left out).
    const device = join(outDir, 'null.csv')
    let made = true
    try {
      execFileSync('mknod', [device, 'c', '1', '3'], { stdio: 'ignore' })
    } catch {
      made = false
    }
    if (made) await refused(device, /null\.csv is a character device, not a regular file/)

    for (const dev of ['/dev/null', '/dev/full']) {
      expect(kind(dev)).toBe('char')
      await refused(dev, new RegExp(`--out ${dev} is a character device, not a regular file`))
      expect(kind(dev), `${dev} after the refused export`).toBe('char')
    }
    expect(readdirSync(outDir).sort()).toEqual(
      [
        'dangling.csv',
        'link.csv',
        'pipe.csv',
        'rows.csv',
        'target.csv',
        ...(made ? ['null.csv'] : []),
      ].sort(),
    )
  })

  it('refuses a directory and a path under a file', async () => {
    await refused(outDir, /--out .* is a directory/, /^hint: give a file name inside it/m)
    const run = await runCliInProcess(['export', '--out', join(outDir, 'rows.csv', 'x.csv')], {
      DATABASE_URL: mirrorDir,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/the directory .*rows\.csv does not exist/)
  })
})

describe.skipIf(!available.postgres)('export: a write that fails (file-size limit)', () => {
  let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  beforeAll(async () => {
    pg = await createTestDatabase('export_efbig')
    // The mirror in PostgreSQL: the server writes it, so the child's file-size limit only bites the export.
    const db = await openDatabase(pg.url)
    try {
      const plan = await planBackfill(
        { countries: smallCountries(emu, 2), from: '2025-01', to: '2025-12' },
        { quota: 10_000, db },
      )
      const silent = createLogger({ level: 'silent', serviceKey: KEY, pretty: false })
      const summary = await runInline(
        plan.slices,
        {
          fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
          store: createDbStore(db, KEY),
          ...memoryLimits({ dailyQuota: 10_000, ratePerSecond: 30 }),
          logger: silent,
          serviceKey: KEY,
        },
        { concurrency: 2 },
      )
      expect(summary.failed).toBe(0)
      expect(summary.rows.total).toBeGreaterThan(2_000)
    } finally {
      await db.close()
    }
  }, 120_000)
  afterAll(async () => {
    await pg?.drop()
  })

  it('EFBIG under `ulimit -f`: a clear error, exit ≠ 0, no file and no .part left', async () => {
    const dir = mkdtempSync(join(tmp, 'efbig-'))
    const out = join(dir, 'big.csv')
    // 400 blocks (200 KB with sh's 512-byte blocks): far below the export (about 1 MB), above any file tsx caches.
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        'ulimit -f 400 && exec "$0" "$@"',
        process.execPath,
        '--conditions=@kcs-trade/source',
        '--import',
        'tsx',
        CLI_PATH,
        'export',
        '--out',
        out,
      ],
      {
        cwd: WORKER_DIR,
        env: { ...process.env, DATABASE_URL: pg?.url, KCS_SERVICE_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.stdout.resume()
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(code, stderr).not.toBe(0)
    expect(code, stderr).not.toBeNull()
    expect(stderr).toMatch(/export: cannot write .*big\.csv: .*file-size limit.* \(EFBIG\)/)
    expect(stderr).toMatch(/no partial file is left/)
    expect(stderr).toMatch(/^hint: raise the limit/m)
    expect(stderr).not.toMatch(/\n\s+at .+[(:]\d+/)
    expect(readdirSync(dir)).toEqual([])
  }, 120_000)
})
