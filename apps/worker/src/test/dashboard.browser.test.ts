/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, headless, against
 * `kcs-trade serve` on 127.0.0.1 over a mirror synced from the emulator (PostgreSQL + Redis).
 * Writes a screenshot of each view to docs/screenshots/.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { monthlySeries, revisions, tradeRows } from '@kcs-trade/db'
import { describe, expect, it } from 'vitest'
import { runCli } from '../commands/index.js'
import { csvOf, dashboardTestable, quiet, SCREENSHOTS, TOKEN, useDashboard } from '../test-utils/dashboard.js'
import { waitFor } from '../test-utils/services.js'

describe.skipIf(!dashboardTestable)('dashboard in Chromium', () => {
  const f = useDashboard()

  it('loads every view without errors, only from 127.0.0.1, with the data of the database', async () => {
    const { base, context, countries, db, emu, external, failing, open, staleCountry, calls } = f
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
    // Completeness against the published totals: the failed year is short, a synced one complete; the months
    // that differ are listed with their figures.
    expect(await cell(failing, 2025).getAttribute('data-verdict')).toBe('short')
    // VN 2025 was re-fetched after KCS's revision: complete; AU was fetched before it: its revised months are stale.
    expect(await cell(countries[0]!, 2025).getAttribute('data-verdict')).toBe('complete')
    expect(await cell(countries[0]!, 2025).getAttribute('title')).toMatch(/Completeness.*: 01 complete/)
    expect(await cell(countries[1]!, 2025).getAttribute('data-verdict')).toBe('stale')
    await expect.poll(() => cell(countries[0]!, 2025).textContent()).toBe('12 ✓')
    // Its 24 months of 2024–2025 were never fetched.
    expect(
      await page
        .locator(`#completeness-differing tr[data-country="${failing}"][data-verdict="short"]`)
        .count(),
    ).toBe(24)
    expect(await page.locator('#coverage-completeness').textContent()).toMatch(/complete \d+.*short \d+/)
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

  it('keeps the selection in the address (bookmark, back button); top items honour the HS prefix; round y ticks', async () => {
    const { base, context, countries, emu, external } = f
    const country = countries[0]!
    const other = countries[1]!
    const counts = new Map<string, number>()
    for (const r of emu.truth.rows({ country, from: '2025-01', to: '2025-12' }))
      counts.set(r.hsCode.slice(0, 4), (counts.get(r.hsCode.slice(0, 4)) ?? 0) + 1)
    const heading = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0]
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
    })
    await page.goto(`${base}/?token=${TOKEN}`)
    await page.evaluate("localStorage.setItem('kcs-trade.lang', 'en')")
    const loaded = (c: string) =>
      page.waitForSelector(`#chart-series[data-loaded="country=${c}&hs=${heading}&from=2025-01&to=2025-12"]`)
    // A bookmark: the address alone opens the selection.
    const bookmark = `${base}/#trade?country=${country}&hs=${heading}&from=2025-01&to=2025-12`
    await page.goto(bookmark)
    await loaded(country)
    expect(await page.locator('#country').inputValue()).toBe(country)
    expect(await page.locator('#hs').inputValue()).toBe(heading)
    expect([await page.locator('#from').inputValue(), await page.locator('#to').inputValue()]).toEqual([
      '2025-01',
      '2025-12',
    ])
    // Top items are the codes under the heading, none from elsewhere.
    const itemKeys = await page
      .locator('#chart-items .bar-item')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-key') ?? ''))
    expect(itemKeys.length).toBeGreaterThan(0)
    expect(itemKeys.filter((k) => !k.startsWith(heading))).toEqual([])
    expect(await page.locator('#items-title').textContent()).toContain(heading)
    // The y axis steps by 1, 2, 2.5 or 5 × 10^n and covers the data.
    const ticks = await page
      .locator('#chart-series .y-tick')
      .evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('data-value'))))
    const points = await page
      .locator('#chart-series circle.point')
      .evaluateAll((ps) => ps.map((p) => Number(p.getAttribute('data-value'))))
    expect(ticks.length).toBeGreaterThanOrEqual(2)
    const step = ticks[1]! - ticks[0]!
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(step)
    expect([1, 2, 2.5, 5]).toContain(Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(6)))
    expect(ticks.at(-1)!).toBeGreaterThanOrEqual(Math.max(...points))
    expect(ticks[0]!).toBeLessThanOrEqual(Math.min(0, ...points))
    // Another country: a new address; the back button returns to the first selection.
    await page.selectOption('#country', other)
    await loaded(other)
    expect(page.url()).toBe(`${base}/#trade?country=${other}&hs=${heading}&from=2025-01&to=2025-12`)
    await page.goBack()
    await loaded(country)
    expect(page.url()).toBe(bookmark)
    expect(await page.locator('#country').inputValue()).toBe(country)
    // The tab leads back to the selection from another view.
    await page.click('.tabs a[data-view="coverage"]')
    await page.waitForSelector('body[data-ready="coverage"]')
    await page.click('.tabs a[data-view="trade"]')
    await loaded(country)
    expect(problems).toEqual([])
    await page.close()
    expect(external).toEqual([])
  }, 60_000)

  it('without Redis the quota view says so in both languages, and the mirror views still load', async () => {
    const { clock, context, env, external, failing, open, origins } = f
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
