/**
 * The dashboard browser tests' fixture: Debian's chromium driven by playwright-core, headless, against
 * `kcs-trade serve` on 127.0.0.1 over a mirror synced from the emulator (PostgreSQL + Redis).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { runCli } from '../commands/index.js'
import { manualClock } from '../config/clock.js'
import { loadConfig } from '../config/env.js'
import { createLogger } from '../config/logger.js'
import type { EngineDeps } from '../sync/deps.js'
import { createClientFetcher, createDbStore, type KcsDatabase, openDatabase } from '../sync/engine.js'
import { runInline } from '../sync/inline.js'
import { createRedis, memoryLimits, redisLimits } from '../sync/runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  smallCountries,
  uniquePrefix,
  waitFor,
} from './services.js'

/** The Chromium binary (KCS_CHROMIUM, default Debian's). */
export const CHROMIUM = process.env.KCS_CHROMIUM ?? '/usr/bin/chromium'
const mustHave = Boolean(process.env.CI || process.env.KCS_REQUIRE_SERVICES)
/** Whether it is there (in CI it must be). */
export const chromiumPresent = existsSync(CHROMIUM)
if (!chromiumPresent) {
  if (mustHave)
    throw new Error(
      `Chromium is required for the dashboard browser test but ${CHROMIUM} does not exist (apt-get install chromium)`,
    )
  console.warn(
    `[worker tests] ${CHROMIUM} not found: skipping the dashboard browser test (apt-get install chromium)`,
  )
}

/** Where the views' screenshots go. */
export const SCREENSHOTS = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url))
const KEY = 'dashboard-browser-key-0011223344'
/** The serve token of the fixture. */
export const TOKEN = 'dash-token-7c1e9a42'
/** A sink for output nobody reads. */
export const quiet = new Writable({ write: (_c, _e, cb) => cb() })
const logger = createLogger({ level: 'warn', serviceKey: KEY, pretty: false, destination: quiet })

/** CSV text as the dashboard writes it. */
export function csvOf(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows].map((r) => `${r.join(',')}\r\n`).join('')
}

/** Whether the browser tests can run here (Chromium, Redis, PostgreSQL). */
export const dashboardTestable = chromiumPresent && available.redis && available.postgres

/** What the fixture set up: filled in by its `beforeAll`. */
export interface DashboardFixture {
  emu: Emulator
  db: KcsDatabase
  context: BrowserContext
  /** The serve process's origin, `http://127.0.0.1:<port>`. */
  base: string
  /** API calls the sync made. */
  calls: number
  /** The two real partners mirrored for 2024 and 2025. */
  countries: string[]
  /** A country whose 2025 slice failed (gateway code 30). */
  failing: string
  /** A country whose 2025 slice was fetched 3 days ago. */
  staleCountry: string
  /** Requests the page made to anywhere but our serve processes (must stay empty). */
  external: string[]
  /** Origins of the serve processes (anything else is external). */
  origins: Set<string>
  env: Record<string, string>
  clock: ReturnType<typeof manualClock>
  /** Opens a view and collects console errors, page errors, failed requests and HTTP errors. */
  open(page: Page, view: string, at?: string): Promise<string[]>
}

/** Registers the fixture's hooks in the current `describe`; its fields are set once `beforeAll` ran. */
export function useDashboard(): DashboardFixture {
  const f = { base: '', external: [] as string[] } as DashboardFixture
  let pg: Awaited<ReturnType<typeof createTestDatabase>>
  let userDataDir: string
  const prefix = uniquePrefix('dashboard')
  const stop = new AbortController()
  let serving: Promise<number> | undefined
  // Origins of the serve processes of this file: anything else the page asks for is external.
  f.origins = new Set<string>()
  // Noon KST on 2026-11-24 for the emulator, the quota, the per-minute counters and serve: the
  // freshness window is 2025-11..2026-11 whatever day the test runs, so 2025 can be stale.
  const clock = manualClock(Date.UTC(2026, 10, 24, 3, 0, 0))
  f.clock = clock

  beforeAll(async () => {
    f.emu = await createEmulator({ port: 0, seed: 9, keys: [KEY], revision: 1, now: () => clock.now() })
    pg = await createTestDatabase('dashboard')
    f.db = await openDatabase(pg.url)
    f.env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      KCS_QUEUE_PREFIX: prefix,
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: f.emu.url,
      LOG_LEVEL: 'warn',
    }
    const cfg = loadConfig(f.env)
    const redis = createRedis(REDIS_URL)
    try {
      const limits = redisLimits(redis, cfg, KEY, clock)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: f.emu.url }),
        store: createDbStore(f.db, KEY),
        ...limits,
        logger,
        serviceKey: KEY,
        clock,
      }
      // Two real partners (what the README's screenshots show), and two small ones for the failed and
      // the stale slice.
      const picked = smallCountries(f.emu, 2)
      f.countries = ['VN', 'AU']
      f.failing = picked[0]!
      f.staleCountry = picked[1]!
      const year = (country: string, y: number) => ({ country, from: `${y}-01`, to: `${y}-12` })
      const first = f.countries.flatMap((c) => [year(c, 2024), year(c, 2025)])
      first.push(year(f.staleCountry, 2025))
      const before = f.emu.stats.total
      expect((await runInline(first, deps, { concurrency: 3 })).failed).toBe(0)
      // One slice fails: the gateway answers "service key not registered" (30), which is final.
      f.emu.faults.next({ kind: 'gateway', code: '30' })
      expect((await runInline([year(f.failing, 2025)], deps, { concurrency: 1 })).failed).toBe(1)
      // A new revision of the data, re-fetched: the revisions view has something to show.
      f.emu.setRevision(2)
      expect((await runInline([year(f.countries[0]!, 2025)], deps, { concurrency: 1 })).failed).toBe(0)
      await limits.metrics.flush()
      f.calls = f.emu.stats.total - before
      // The published totals of 2024–2025 (what `kcs-trade verify` stores), on limits of their own so that the
      // quota view still shows the detail's calls only.
      const totals = [2024, 2025].flatMap((y) =>
        (['nationtrade', 'newtrade'] as const).map((dataset) => ({
          country: '*',
          from: `${y}-01`,
          to: `${y}-12`,
          dataset,
        })),
      )
      const totalsDeps = { ...deps, ...memoryLimits(cfg, clock) }
      expect((await runInline(totals, totalsDeps, { concurrency: 2 })).failed).toBe(0)
      // The stale country's year was last fetched 3 days ago (older than two daily freshness runs).
      const client = f.db.$client as unknown as { query(q: string, p: unknown[]): Promise<unknown> }
      await client.query('update sync_ledger set fetched_at = $1 where country_code = $2', [
        new Date(clock.now() - 3 * 86_400_000).toISOString(),
        f.staleCountry,
      ])
    } finally {
      redis.disconnect()
    }
    serving = runCli(['serve', '--port', '0', '--token', TOKEN], {
      env: f.env,
      stdout: quiet,
      stderr: new Writable({
        write(chunk, _e, cb) {
          f.base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(String(chunk))?.[1] ?? f.base
          cb()
        },
      }) as unknown as NodeJS.WriteStream,
      logDestination: quiet,
      shutdown: stop.signal,
      clock,
    })
    await waitFor(() => f.base !== '', 30_000, 'serve to listen')
    f.origins.add(f.base)
    const { chromium } = await import('playwright-core')
    userDataDir = mkdtempSync(join(tmpdir(), 'kcs-chromium-'))
    f.context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 860 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    // Every request must go to our server on 127.0.0.1; anything else is aborted and fails the test.
    await f.context.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.hostname === '127.0.0.1' && f.origins.has(url.origin)) return route.continue()
      f.external.push(url.href)
      return route.abort()
    })
    mkdirSync(SCREENSHOTS, { recursive: true })
  }, 90_000)

  afterAll(async () => {
    await f.context?.close()
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
    stop.abort()
    if (serving) expect(await serving).toBe(0)
    await f.db?.close()
    await pg?.drop()
    await f.emu?.close()
    await dropPrefix(prefix)
  })

  f.open = async (page: Page, view: string, at = f.base) => {
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`))
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
    })
    await page.goto(`${at}/#${view}`)
    await page.waitForSelector(`body[data-ready="${view}"]`, { timeout: 15_000 })
    return problems
  }
  return f
}
