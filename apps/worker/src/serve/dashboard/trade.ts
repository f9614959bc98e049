import { decimalInt } from '../../config/numbers.js'
import { NameResolver } from '../../sync/names.js'
import {
  type ApiResult,
  BadRequest,
  COUNTRY,
  countryNames,
  type DashboardSources,
  HS,
  hsNames,
  lazyDb,
  lazyReference,
  limitParam,
  MEASURE_COLUMNS,
  MEASURES,
  need,
  param,
  windowParams,
} from './api.js'

// The Trade view's endpoints: the monthly series and the top partners and items of a selection.

/** GET /api/series?country=&hs=&from=&to= — monthly export/import/balance. */
export async function series(s: DashboardSources, url: URL): Promise<ApiResult> {
  const db = need(s.db)
  const { monthlySeries } = await lazyDb()
  const country = param(url, 'country', COUNTRY, 'US')
  const hsPrefix = param(url, 'hs', HS, '0201')
  const { from, to } = await windowParams(db, url, s.clock.now())
  const points = await monthlySeries(db, { country, hsPrefix, from, to })
  return {
    json: { country: country ?? null, hs: hsPrefix ?? null, from, to, points },
    csv: {
      filename: `series-${country ?? 'all'}-${hsPrefix ?? 'all'}-${from}-${to}.csv`,
      columns: ['period', ...MEASURE_COLUMNS],
      rows: points.map((p) => [p.period, ...MEASURES.map((m) => p[m])]),
    },
  }
}

/** GET /api/top-partners?hs=&from=&to=&limit= */
export async function partners(s: DashboardSources, url: URL): Promise<ApiResult> {
  const db = need(s.db)
  const { topPartners } = await lazyDb()
  const hsPrefix = param(url, 'hs', HS, '0201')
  const { from, to } = await windowParams(db, url, s.clock.now())
  const limit = limitParam(url, 10)
  const rows = await topPartners(db, { hsPrefix, from, to, limit })
  const items = []
  for (const r of rows) items.push({ ...r, ...(await countryNames(r.country)) })
  return {
    json: { hs: hsPrefix ?? null, from, to, items },
    csv: {
      filename: `top-partners-${hsPrefix ?? 'all'}-${from}-${to}.csv`,
      columns: ['country', 'trade_usd', ...MEASURE_COLUMNS],
      rows: rows.map((r) => [r.country, r.tradeUsd, ...MEASURES.map((m) => r[m])]),
    },
  }
}

/**
 * The level `/api/top-items` ranks at: `digits` when given (2 chapters, 4 headings, 10 codes as mirrored), else
 * the level below the HS prefix (a 1-digit prefix: chapters; 2–3 digits: headings; longer: codes), else headings.
 */
export function itemDigits(raw: string | null, hsPrefix: string | undefined): 2 | 4 | 10 {
  if (raw === null || raw === '') {
    if (!hsPrefix) return 4
    return hsPrefix.length <= 1 ? 2 : hsPrefix.length <= 3 ? 4 : 10
  }
  // Plain decimal digits only: Number() would take 0x4, 4e0, " 4".
  const digits = decimalInt(raw)
  if (digits !== 2 && digits !== 4 && digits !== 10)
    throw new BadRequest(`digits: ${JSON.stringify(raw)}`, 'digits=2 (chapters), 4 (headings) or 10 (codes)')
  if (hsPrefix && digits !== 10 && hsPrefix.length > digits)
    throw new BadRequest(
      `hs ${hsPrefix} is longer than the ${digits}-digit groups of digits=${digits}`,
      `leave digits out, or use digits=10 (the codes under ${hsPrefix})`,
    )
  return digits
}

/** GET /api/top-items?country=&hs=&from=&to=&limit=&digits=2|4|10 — top HS chapters, headings or codes (under hs). */
export async function items(s: DashboardSources, url: URL): Promise<ApiResult> {
  const db = need(s.db)
  const { topItems } = await lazyDb()
  const country = param(url, 'country', COUNTRY, 'US')
  const hsPrefix = param(url, 'hs', HS, '0202')
  const digits = itemDigits(url.searchParams.get('digits'), hsPrefix)
  const { from, to } = await windowParams(db, url, s.clock.now())
  const limit = limitParam(url, 10)
  const rows = await topItems(db, {
    country,
    from,
    to,
    limit,
    ...(hsPrefix ? { hsPrefix } : {}),
    ...(digits === 10 ? {} : { hsDigits: digits }),
  })
  const out = []
  for (const r of rows) out.push({ ...r, ...(await itemNames(r.hsCode, r.itemName, to)) })
  return {
    json: { country: country ?? null, hs: hsPrefix ?? null, digits, from, to, items: out },
    csv: {
      filename: `top-items-${country ?? 'all'}${hsPrefix ? `-${hsPrefix}` : ''}-hs${digits}-${from}-${to}.csv`,
      columns: ['hs', 'trade_usd', ...MEASURE_COLUMNS],
      rows: rows.map((r) => [r.hsCode, r.tradeUsd, ...MEASURES.map((m) => r[m])]),
    },
  }
}

/** Names of a ranked code: the HS nomenclature's up to 6 digits; a tariff line's from HSK, relative names after their parent. */
async function itemNames(
  code: string,
  mirrored: string,
  period: string,
): Promise<{ nameKo: string; nameEn: string }> {
  const names = await hsNames(code)
  if (names.nameEn || names.nameKo) return names
  const line = new NameResolver(await lazyReference()).hs(code, period, mirrored)
  return { nameKo: line.ko ?? mirrored, nameEn: line.en ?? line.ko ?? mirrored }
}
