import { countryTotals, type KcsDatabase, ledger, mirrorMonthlySums, nationalTotals } from '@kcs-trade/db'
import { monthFromIndex, monthIndex } from './slices.js'
import { compareWithPublished, type DetailFetch, type VerifyReport } from './verify.js'

/**
 * What the ledger says the detail mirror is meant to hold: the countries and the window of its country slices,
 * fetched or failed (a country whose every fetch failed is short, not out of scope).
 */
export async function mirroredDetail(
  db: KcsDatabase,
): Promise<{ countries: string[]; from: string | null; to: string | null }> {
  const entries = (await ledger(db)).filter((e) => e.slice.country !== undefined)
  const countries = [...new Set(entries.map((e) => e.slice.country as string))].sort()
  const froms = entries.map((e) => e.slice.from).sort()
  const tos = entries.map((e) => e.slice.to).sort()
  return { countries, from: froms[0] ?? null, to: tos.at(-1) ?? null }
}

/**
 * Read everything `verify` compares from the mirror (no API call): the published country and national totals it
 * holds, its detail summed per country and month, and the ledger's successful fetches. Months count as judged when a
 * successful nationtrade fetch covered them and answered rows for them.
 */
export async function verifyFromMirror(
  db: KcsDatabase,
  query: { from: string; to: string; countries: readonly string[] },
): Promise<VerifyReport> {
  const window = { from: query.from, to: query.to }
  const [published, national, mirror, detail, totalsLedger] = await Promise.all([
    countryTotals(db, window),
    nationalTotals(db, window),
    mirrorMonthlySums(db, window),
    ledger(db),
    ledger(db, { dataset: 'nationtrade' }),
  ])
  const fetchedMonths = new Set<string>()
  for (const e of totalsLedger) {
    if (e.rowCount === null) continue
    for (let m = monthIndex(e.slice.from); m <= monthIndex(e.slice.to); m++)
      fetchedMonths.add(monthFromIndex(m))
  }
  const answered = new Set(published.map((p) => p.period))
  const totalsMonths = new Set([...fetchedMonths].filter((m) => answered.has(m)))
  const fetches: DetailFetch[] = []
  for (const e of detail) {
    if (e.rowCount === null || e.fetchedAt === null || e.slice.country === undefined) continue
    fetches.push({
      country: e.slice.country,
      from: e.slice.from,
      to: e.slice.to,
      hs: e.slice.hs ?? null,
      totals: e.totals ? { exportUsd: e.totals.exportUsd, importUsd: e.totals.importUsd } : null,
      sumsMatch: e.sumsMatch,
      rowCount: e.rowCount,
      fetchedAt: e.fetchedAt,
    })
  }
  return compareWithPublished({
    from: query.from,
    to: query.to,
    countries: query.countries,
    totalsMonths,
    published,
    national,
    mirror,
    fetches,
  })
}
