import type { KcsDatabase } from '@kcs-trade/db'
import type { Verdict } from '../../sync/verify.js'
import { type ApiResult, BadRequest, type DashboardSources } from './api.js'

const MONTH = /^(19|20)\d{2}-(0[1-9]|1[0-2])$/

function monthParam(url: URL, name: string): string | undefined {
  const v = url.searchParams.get(name)
  if (v === null || v === '') return undefined
  if (!MONTH.test(v))
    throw new BadRequest(`${name}: ${JSON.stringify(v)} is not a month`, `e.g. ${name}=2025-01`)
  return v
}

/** Verdicts in the order of how much they need attention (the worst of a year is shown on its cell). */
const SEVERITY: Verdict[] = ['short', 'over', 'stale', 'partial', 'pending', 'complete']

/**
 * GET /api/completeness — `kcs-trade verify`'s verdict per country and month, from the published totals the
 * mirror holds (no API call): per country the verdict of each judged month and the worst verdict of each year, the
 * counts, Korea's line, and the months that differ with their figures. `hasTotals: false` when no published totals
 * are stored yet (then run `kcs-trade verify`).
 */
export async function completeness(s: DashboardSources, url: URL): Promise<ApiResult> {
  if (!s.db)
    throw new BadRequest('no database yet', 'run a sync first (kcs-trade sync …), then reload the dashboard')
  const db: KcsDatabase = s.db
  const { mirroredDetail, verifyFromMirror } = await import('../../sync/verify-load.js')
  const held = await mirroredDetail(db)
  const from = monthParam(url, 'from') ?? held.from
  const to = monthParam(url, 'to') ?? held.to
  if (!from || !to || held.countries.length === 0)
    return { json: { hasTotals: false, from, to, countries: [], counts: {}, national: [], differing: [] } }
  if (from > to) throw new BadRequest(`from ${from} is after to ${to}`, 'swap them')
  const report = await verifyFromMirror(db, { from, to, countries: held.countries })
  const judged = report.checks.length > 0
  const byCountry = new Map<string, { months: Record<string, Verdict>; years: Record<string, Verdict> }>()
  for (const c of report.checks) {
    const entry = byCountry.get(c.countryCode) ?? { months: {}, years: {} }
    byCountry.set(c.countryCode, entry)
    entry.months[c.period] = c.verdict
    const year = c.period.slice(0, 4)
    const worst = entry.years[year]
    if (worst === undefined || SEVERITY.indexOf(c.verdict) < SEVERITY.indexOf(worst))
      entry.years[year] = c.verdict
  }
  const differing = report.checks
    .filter((c) => c.verdict !== 'complete')
    .slice(0, 200)
    .map((c) => ({
      country: c.countryCode,
      period: c.period,
      verdict: c.verdict,
      published: c.published,
      mirror: c.mirror,
      reason: c.reason,
    }))
  return {
    json: {
      hasTotals: judged,
      from,
      to,
      counts: report.counts,
      unjudgedMonths: report.unjudgedMonths,
      national: report.national,
      countries: [...byCountry].map(([code, v]) => ({ code, ...v })),
      differing,
    },
  }
}
