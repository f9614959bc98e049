/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, headless, against
 * `kcs-trade serve` on 127.0.0.1 over a mirror synced from the emulator (PostgreSQL + Redis).
 * Writes a screenshot of each view to docs/screenshots/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { monthlySeries, revisions, tradeRows } from '@kcs-trade/db'
import { createEmulator, type Emulator } from '@kcs-trade/emulator'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from './clock.js'
import { runCli } from './commands.js'
import { loadConfig } from './config.js'
import { createClientFetcher, createDbStore, type KcsDatabase, openDatabase } from './engine.js'
import { runInline } from './inline.js'
import { createLogger } from './logger.js'
import type { EngineDeps } from './processor.js'
import { createRedis, redisLimits } from './runtime.js'
import {
  available,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  smallCountries,
  uniquePrefix,
  waitFor,
} from './test-utils/services.js'

const CHROMIUM = process.env.KCS_CHROMIUM ?? '/usr/bin/chromium'
const mustHave = Boolean(process.env.CI || process.env.KCS_REQUIRE_SERVICES)
const chromiumPresent = existsSync(CHROMIUM)
if (!chromiumPresent) {
  if (mustHave)
    throw new Error(
      `Chromium is required for the dashboard browser test but ${CHROMIUM} does not exist (apt-get install chromium)`,
    )
  console.warn(
    `[worker tests] ${CHROMIUM} not found: skipping the dashboard browser test (apt-get install chromium)`,
  )
}

const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))
const KEY = 'dashboard-browser-key-0011223344'
const TOKEN = 'dash-token-7c1e9a42'
const quiet = new Writable({ write: (_c, _e, cb) => cb() })
const logger = createLogger({ level: 'warn', serviceKey: KEY, pretty: false, destination: quiet })

function csvOf(columns: string[], rows: unknown[][]): string {
  return [columns, ...rows].map((r) => `${r.join(',')}\r\n`).join('')
}

describe.skipIf(!chromiumPresent || !available.redis || !available.postgres)('dashboard in Chromium', () => {
  let emu: Emulator
  let pg: Awaited<ReturnType<typeof createTestDatabase>>
  let db: KcsDatabase
  let context: BrowserContext
  let userDataDir: string
  const prefix = uniquePrefix('dashboard')
  const stop = new AbortController()
  let serving: Promise<number> | undefined
  let base = ''
  let calls = 0
  let countries: string[] = []
  let failing = ''
  let staleCountry = ''
  const external: string[] = []
  // Origins of the serve processes of this file: anything else the page asks for is external.
  const origins = new Set<string>()
  let env: Record<string, string> = {}
  // Noon KST on 2026-11-24 for the emulator, the quota, the per-minute counters and serve: the
  // freshness window is 2025-11..2026-11 whatever day the test runs, so 2025 can be stale.
  const clock = manualClock(Date.UTC(2026, 10, 24, 3, 0, 0))

  beforeAll(async () => {
    emu = await createEmulator({ port: 0, seed: 9, keys: [KEY], revision: 1, now: () => clock.now() })
    pg = await createTestDatabase('dashboard')
    db = await openDatabase(pg.url)
    env = {
      DATABASE_URL: pg.url,
      REDIS_URL,
      KCS_QUEUE_PREFIX: prefix,
      KCS_SERVICE_KEY: KEY,
      KCS_BASE_URL: emu.url,
      LOG_LEVEL: 'warn',
    }
    const cfg = loadConfig(env)
    const redis = createRedis(REDIS_URL)
    try {
      const limits = redisLimits(redis, cfg, KEY, clock)
      const deps: EngineDeps = {
        fetcher: createClientFetcher({ serviceKey: KEY, baseUrl: emu.url }),
        store: createDbStore(db, KEY),
        ...limits,
        logger,
        serviceKey: KEY,
        clock,
      }
      // Two real partners (what the README's screenshots show), and two small ones for the failed and
      // the stale slice.
      const picked = smallCountries(emu, 2)
      countries = ['VN', 'AU']
      failing = picked[0]!
      staleCountry = picked[1]!
      const year = (country: string, y: number) => ({ country, from: `${y}-01`, to: `${y}-12` })
      const first = countries.flatMap((c) => [year(c, 2024), year(c, 2025)])
      first.push(year(staleCountry, 2025))
      const before = emu.stats.total
      expect((await runInline(first, deps, { concurrency: 3 })).failed).toBe(0)
      // One slice fails: the gateway answers "service key not registered" (30), which is final.
      emu.faults.next({ kind: 'gateway', code: '30' })
      expect((await runInline([year(failing, 2025)], deps, { concurrency: 1 })).failed).toBe(1)
      // A new revision of the data, re-fetched: the revisions view has something to show.
      emu.setRevision(2)
      expect((await runInline([year(countries[0]!, 2025)], deps, { concurrency: 1 })).failed).toBe(0)
      await limits.metrics.flush()
      calls = emu.stats.total - before
      // The stale country's year was last fetched 3 days ago (older than two daily freshness runs).
      const client = db.$client as unknown as { query(q: string, p: unknown[]): Promise<unknown> }
      await client.query('update sync_ledger set fetched_at = $1 where country_code = $2', [
        new Date(clock.now() - 3 * 86_400_000).toISOString(),
        staleCountry,
      ])
    } finally {
      redis.disconnect()
    }
    serving = runCli(['serve', '--port', '0', '--token', TOKEN], {
      env,
      stdout: quiet,
      stderr: new Writable({
        write(chunk, _e, cb) {
          base = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(String(chunk))?.[1] ?? base
          cb()
        },
      }) as unknown as NodeJS.WriteStream,
      logDestination: quiet,
      shutdown: stop.signal,
      clock,
    })
    await waitFor(() => base !== '', 30_000, 'serve to listen')
    origins.add(base)
    const { chromium } = await import('playwright-core')
    userDataDir = mkdtempSync(join(tmpdir(), 'kcs-chromium-'))
    context = await chromium.launchPersistentContext(userDataDir, {
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
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.hostname === '127.0.0.1' && origins.has(url.origin)) return route.continue()
      external.push(url.href)
      return route.abort()
    })
    mkdirSync(SCREENSHOTS, { recursive: true })
  }, 90_000)

  afterAll(async () => {
    await context?.close()
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
    stop.abort()
    if (serving) expect(await serving).toBe(0)
    await db?.close()
    await pg?.drop()
    await emu?.close()
    await dropPrefix(prefix)
  })

  /** Opens a view and collects console errors, page errors, failed requests and HTTP errors. */
  async function open(page: Page, view: string, at = base) {
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

  it('loads every view without errors, only from 127.0.0.1, with the data of the database', async () => {
    const page = await context.newPage()
    // The token once in the URL: the server sets a session cookie and drops the token from the address bar.
    const first = await page.goto(`${base}/?token=${TOKEN}`)
    expect(first?.status()).toBe(200)
    expect(page.url()).toBe(`${base}/`)
    expect((await context.cookies()).map((c) => c.value).join()).not.toContain(TOKEN)
    await page.evaluate("localStorage.setItem('kcs-trade.lang', 'en')")

    /* Coverage: failed, stale, synced and never, each in its colour. */
    let problems = await open(page, 'coverage')
    const cell = (country: string, year: number) =>
      page.locator(`#coverage-grid td[data-country="${country}"][data-year="${year}"]`)
    expect(await cell(failing, 2025).getAttribute('data-status')).toBe('failed')
    expect(await cell(failing, 2024).getAttribute('data-status')).toBe('never')
    expect(await cell(staleCountry, 2025).getAttribute('data-status')).toBe('stale')
    expect(await cell(countries[0]!, 2024).getAttribute('data-status')).toBe('synced')
    const colour = (country: string, year: number) =>
      cell(country, year).evaluate(
        (n) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(n).backgroundColor,
      )
    // Polled: the hash navigation to #coverage can re-render the grid the first load drew, and a cell
    // read while being replaced is detached (no computed style).
    await expect.poll(() => colour(failing, 2025)).toBe('rgb(209, 59, 59)')
    await expect.poll(() => colour(staleCountry, 2025)).toBe('rgb(224, 180, 42)')
    await expect.poll(() => colour(countries[0]!, 2024)).toBe('rgb(46, 157, 91)')
    await cell(failing, 2025).click()
    expect(await page.locator('#coverage-detail').textContent()).toMatch(/last error: .*30/)
    expect(await cell(failing, 2025).getAttribute('title')).toMatch(/last error/)
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-coverage.png'), fullPage: true })
    expect(problems).toEqual([])

    /* Quota and rate: the calls the sync made, from Redis. */
    problems = await open(page, 'quota')
    expect(Number(await page.locator('#quota-used').getAttribute('data-used'))).toBe(calls)
    expect(Number(await page.locator('#calls-hour').getAttribute('data-calls'))).toBe(calls)
    const perMinute = await page
      .locator('#chart-calls .bar-item')
      .evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-value'))))
    expect(perMinute).toHaveLength(60)
    expect(perMinute.reduce((a, b) => a + b, 0)).toBe(calls)
    expect(await page.locator('#reset-in').textContent()).toMatch(/^\d+:\d\d:\d\d$/)
    expect(await page.locator('#queue-cards [data-state="waiting"]').getAttribute('data-count')).toBe('0')
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-quota.png'), fullPage: true })
    expect(problems).toEqual([])

    /* Trade: search in Korean and English, a chart with the emulator's numbers, CSV = database. */
    problems = await open(page, 'trade')
    for (const q of ['소고기', 'beef']) {
      await page.fill('#search', q)
      await page.waitForSelector('#search-results .hit-hs[data-hs="0202"]', { timeout: 10_000 })
      expect(await page.locator('#search-results .hit-hs[data-hs="0201"]').count(), q).toBe(1)
    }
    await page.click('#search-results .hit-hs[data-hs="0201"]')
    await page.waitForSelector('#chart-series[data-loaded*="hs=0201"]')
    expect(await page.locator('#hs').inputValue()).toBe('0201')
    expect(await page.locator('#selection').textContent()).toContain('HS 0201')
    // The chart for a country and a heading it really trades, over 2025.
    const country = countries[0]!
    const truthRows = emu.truth.rows({ country, from: '2025-01', to: '2025-12' })
    const counts = new Map<string, number>()
    for (const r of truthRows) counts.set(r.hsCode.slice(0, 4), (counts.get(r.hsCode.slice(0, 4)) ?? 0) + 1)
    const heading = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
    await page.selectOption('#country', country)
    await page.fill('#hs', heading)
    await page.dispatchEvent('#hs', 'change')
    await page.fill('#from', '2025-01')
    await page.dispatchEvent('#from', 'change')
    await page.fill('#to', '2025-12')
    await page.dispatchEvent('#to', 'change')
    await page.waitForSelector(
      `#chart-series[data-loaded="country=${country}&hs=${heading}&from=2025-01&to=2025-12"]`,
    )
    const exportPoints = await page
      .locator('#chart-series circle[data-series="export"]')
      .evaluateAll((ps) =>
        ps.map((p) => [p.getAttribute('data-period'), Number(p.getAttribute('data-value'))]),
      )
    const truth = new Map<string, number>()
    for (const r of truthRows)
      if (r.hsCode.startsWith(heading)) truth.set(r.period, (truth.get(r.period) ?? 0) + r.exportUsd)
    expect(exportPoints.length).toBeGreaterThan(0)
    expect(exportPoints).toEqual([...truth.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    // Top partners bars equal the database; top items are headings of that country.
    const partnerBars = await page
      .locator('#chart-partners .bar-item')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-key')))
    expect(partnerBars.length).toBeGreaterThan(0)
    expect(partnerBars.every((k) => countries.includes(k!) || k === staleCountry)).toBe(true)
    expect(await page.locator('#chart-items .bar-item').count()).toBeGreaterThan(0)
    // The CSV download (a real download by the browser) equals the database rows summed by month.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-series')])
    const text = readFileSync((await download.path())!, 'utf8')
    const byMonth = new Map<string, number[]>()
    for (const r of await tradeRows(db, { country, hsPrefix: heading, from: '2025-01', to: '2025-12' })) {
      const sums = byMonth.get(r.period) ?? [0, 0, 0, 0, 0]
      ;[r.exportKg, r.exportUsd, r.importKg, r.importUsd, r.balanceUsd].forEach((v, i) => {
        sums[i]! += v
      })
      byMonth.set(r.period, sums)
    }
    const expected = csvOf(
      ['period', 'export_kg', 'export_usd', 'import_kg', 'import_usd', 'balance_usd'],
      [...byMonth.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([p, s]) => [p, ...s]),
    )
    expect(text).toBe(expected)
    expect(download.suggestedFilename()).toBe(`series-${country}-${heading}-2025-01-2025-12.csv`)
    expect(
      (await monthlySeries(db, { country, hsPrefix: heading, from: '2025-01', to: '2025-12' })).length,
    ).toBe(byMonth.size)
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-trade.png'), fullPage: true })
    expect(problems).toEqual([])

    /* Revisions: the changes of the re-fetch, newest first. */
    problems = await open(page, 'revisions')
    const stored = await revisions(db, { since: new Date(0), limit: 50, order: 'desc' })
    expect(stored.length).toBeGreaterThan(0)
    const shown = await page
      .locator('#revisions-table tr.revision')
      .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-id'))))
    expect(shown).toEqual(stored.map((r) => r.id))
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-revisions.png'), fullPage: true })
    expect(problems).toEqual([])

    /* Korean labels: the switch changes them, and the choice survives a reload. */
    expect(await page.locator('.tabs a[data-view="coverage"]').textContent()).toBe('Coverage')
    await page.click('#lang')
    await page.waitForSelector('body[data-ready="revisions"]')
    expect(await page.locator('.tabs a[data-view="coverage"]').textContent()).toBe('수집 현황')
    expect(await page.locator('html').getAttribute('lang')).toBe('ko')
    problems = await open(page, 'coverage')
    expect(await page.locator('.tabs a[data-view="trade"]').textContent()).toBe('무역')
    expect(await page.locator('#coverage-legend').textContent()).toContain('실패')
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-coverage-ko.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()

    /* A phone. */
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    problems = await open(phone, 'trade')
    await phone.waitForSelector('#chart-series svg')
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await phone.screenshot({ path: join(SCREENSHOTS, 'dashboard-trade-phone.png'), fullPage: true })
    expect(problems).toEqual([])
    await phone.close()

    expect(external).toEqual([])
  }, 60_000)

  it('without Redis the quota view says so in both languages, and the mirror views still load', async () => {
    const stopBare = new AbortController()
    let bare = ''
    const bareServing = runCli(['serve', '--port', '0'], {
      env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' },
      stdout: quiet,
      stderr: new Writable({
        write(chunk, _e, cb) {
          bare = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(String(chunk))?.[1] ?? bare
          cb()
        },
      }) as unknown as NodeJS.WriteStream,
      logDestination: quiet,
      shutdown: stopBare.signal,
      clock,
    })
    try {
      await waitFor(() => bare !== '', 30_000, 'serve without Redis to listen')
      origins.add(bare)
      const page = await context.newPage()
      // The coverage answer is held back until the quota view below has rendered: the late coverage
      // view must not mark the page ready as "coverage" (seen once in CI on a busy machine).
      let coverageAnswers = 0
      let releaseCoverage = () => {}
      const coverageHeld = new Promise<void>((resolve) => {
        releaseCoverage = resolve
      })
      await page.route('**/api/coverage*', async (route) => {
        await coverageHeld
        coverageAnswers++
        await route.fallback()
      })
      await page.goto(`${bare}/`)
      await page.evaluate("localStorage.setItem('kcs-trade.lang', 'en')")
      let problems = await open(page, 'quota', bare)
      expect(coverageAnswers).toBe(0)
      releaseCoverage()
      await page.waitForSelector(`#coverage-grid td[data-country="${failing}"]`, { state: 'attached' })
      expect(await page.evaluate('[document.body.dataset.ready, document.body.dataset.view]')).toEqual([
        'quota',
        'quota',
      ])
      expect(await page.locator('#quota-no-redis').isVisible()).toBe(true)
      expect(await page.locator('#quota-no-redis strong').textContent()).toBe(
        'Redis not reachable: no queue or quota data',
      )
      expect(await page.locator('#quota-no-redis-note').textContent()).toMatch(
        /^Redis not reachable at redis:\/\/127\.0\.0\.1:1: /,
      )
      for (const id of ['#quota-cards', '#quota-chart', '#queue-title', '#queue-cards'])
        expect(await page.locator(id).isVisible(), id).toBe(false)
      expect(await page.locator('#error').isVisible()).toBe(false)
      expect(problems).toEqual([])
      await page.click('#lang')
      await page.waitForSelector('body[data-ready="quota"]')
      expect(await page.locator('#quota-no-redis strong').textContent()).toBe(
        'Redis에 연결할 수 없음: 대기열·할당량 자료 없음',
      )
      expect(await page.locator('#quota-no-redis').isVisible()).toBe(true)
      problems = await open(page, 'coverage', bare)
      expect(
        await page.locator(`#coverage-grid td[data-country="${failing}"][data-year="2025"]`).count(),
      ).toBe(1)
      expect(problems).toEqual([])
      await page.close()
    } finally {
      stopBare.abort()
      expect(await bareServing).toBe(0)
    }
    expect(external).toEqual([])
  }, 30_000)
})
