/**
 * The three sibling APIs behind the same gateway — `Itemtrade` (item totals), `nationtrade` (country
 * totals) and `Newtrade` (Korea's totals) — served from the same cells as `nitemtrade`, so the four
 * always agree: Itemtrade is the sum over partners of the 10-digit cells, nationtrade the sum over
 * items per partner and month, Newtrade the sum of everything per month. Facts: SIBLINGS.md.
 */
import { type CalendarDate, formatPeriod } from './calendar.js'
import type { CellValues, Dataset } from './data.js'
import {
  type CountryTradeRow,
  type CountTotals,
  type DatasetName,
  declarations,
  EXPORT_USD_PER_DECLARATION,
  IMPORT_USD_PER_DECLARATION,
  type ItemTradeRow,
  type ItemTradeTotals,
  type Served,
  type SiblingAnswer,
  type SiblingQuery,
  type SiblingTruthQuery,
  type SiblingValidation,
  type TotalsTradeRow,
} from './sibling-types.js'
import {
  countryTradeXml,
  countTotalsXml,
  document,
  itemTotalsXml,
  itemTradeXml,
  totalsTradeXml,
} from './siblings-xml.js'
import { checkWindow, HS_PREFIX } from './window.js'
import { PROVIDER_MESSAGES } from './xml.js'

export * from './sibling-types.js'

/** A month at one revision: every cell summed by 10-digit code and by partner. */
interface MonthAggregate {
  /** expWgt, expDlr, impWgt, impDlr per code. */
  byCode: Float64Array
  codeTraded: Uint8Array
  /** expCnt, expDlr, impCnt, impDlr per partner. */
  byCountry: Float64Array
  countryTraded: Uint8Array
}

/** How many month aggregates are kept (each ≈ 0.4 MB). */
const AGGREGATE_CACHE = 40

/** The sibling data and documents over one {@link Dataset}. */
export class Siblings {
  private readonly cache = new Map<string, MonthAggregate>()

  constructor(
    private readonly dataset: Dataset,
    private readonly revision: () => number,
    private readonly today: () => CalendarDate,
  ) {}

  /** What a sibling serves for a truth query, validated exactly as the provider validates the request. */
  truth<N extends Exclude<DatasetName, 'nitemtrade'>>(name: N, q: SiblingTruthQuery): Served<N> {
    const params = new URLSearchParams({
      strtYymm: String(q.from).replace('-', ''),
      endYymm: String(q.to).replace('-', ''),
    })
    if (name === 'itemtrade' && q.hs !== undefined) params.set('hsSgn', q.hs)
    if (name === 'nationtrade' && q.country !== undefined) params.set('cntyCd', q.country)
    const v = this.validate(name, params)
    if (!v.ok) throw new Error(`truth.${name}: ${v.message}`)
    const query = v.query
    const answer =
      query.dataset === 'itemtrade'
        ? this.itemTrade(query.from, query.to, query.prefix)
        : query.dataset === 'nationtrade'
          ? this.countryTrade(query.from, query.to, query.country)
          : this.tradeTotals(query.from, query.to)
    return answer as Served<N>
  }

  /** The provider's checks, in nitemtrade's order; each sibling takes only its own filter. */
  validate(name: Exclude<DatasetName, 'nitemtrade'>, params: URLSearchParams): SiblingValidation {
    const window = checkWindow(params)
    if (!window.ok) return window
    const { from, to } = window
    if (name === 'itemtrade') {
      const hs = params.get('hsSgn') ?? ''
      if (hs !== '' && !HS_PREFIX.test(hs)) return { ok: false, message: PROVIDER_MESSAGES.badHsLength }
      return { ok: true, query: { dataset: name, from, to, prefix: hs } }
    }
    if (name === 'nationtrade') {
      const cnty = params.get('cntyCd') ?? ''
      let country: number | undefined
      if (cnty !== '') {
        country = this.dataset.countryIndex(cnty)
        if (country === undefined) return { ok: false, message: PROVIDER_MESSAGES.unknownCountry }
      }
      return { ok: true, query: { dataset: name, from, to, country } }
    }
    return { ok: true, query: { dataset: name, from, to } }
  }

  /**
   * `Itemtrade`: 10-digit rows summed over partners, months outermost then codes, for the months
   * published in detail; a window whose months are only in their first release stage answers a lone
   * totals row, as nitemtrade does.
   */
  itemTrade(from: number, to: number, prefix: string): SiblingAnswer<ItemTradeRow, ItemTradeTotals> {
    const pub = this.dataset.publication(this.today())
    const first = Math.max(from, this.dataset.options.firstMonth)
    const detailTo = Math.min(to, pub.lastDetailMonth)
    const totalsTo = Math.min(to, pub.lastTotalsMonth)
    const [lo, hi] = this.dataset.codeRange(prefix)
    const rows: ItemTradeRow[] = []
    const lastMonth = first > detailTo ? totalsTo : detailTo
    const t = { exportKg: 0, exportUsd: 0, importKg: 0, importUsd: 0, balanceUsd: 0 }
    let traded = false
    for (let month = first; month <= lastMonth; month++) {
      const a = this.aggregate(month)
      const period = formatPeriod(month)
      for (let i = lo; i < hi; i++) {
        if (!a.codeTraded[i]) continue
        const o = i * 4
        const row: ItemTradeRow = {
          period,
          hsCode: this.dataset.codes[i]!,
          itemName: this.dataset.names[i]!,
          exportKg: a.byCode[o]!,
          exportUsd: a.byCode[o + 1]!,
          importKg: a.byCode[o + 2]!,
          importUsd: a.byCode[o + 3]!,
          balanceUsd: a.byCode[o + 1]! - a.byCode[o + 3]!,
        }
        t.exportKg += row.exportKg
        t.exportUsd += row.exportUsd
        t.importKg += row.importKg
        t.importUsd += row.importUsd
        traded = true
        if (first <= detailTo) rows.push(row)
      }
    }
    t.balanceUsd = t.exportUsd - t.importUsd
    return { rows, total: traded ? t : null }
  }

  /**
   * `nationtrade`: one row per partner and month that traded, for months whose country totals are
   * out; within a month sorted by export value, largest first (as captured), then by code.
   */
  countryTrade(from: number, to: number, country: number | undefined): SiblingAnswer<CountryTradeRow, never> {
    const pub = this.dataset.publication(this.today())
    const first = Math.max(from, this.dataset.options.firstMonth)
    const last = Math.min(to, pub.lastTotalsMonth)
    const rows: CountryTradeRow[] = []
    const countries = this.dataset.countries
    for (let month = first; month <= last; month++) {
      const a = this.aggregate(month)
      const period = formatPeriod(month)
      const monthRows: CountryTradeRow[] = []
      for (const c of country === undefined ? countries : [countries[country]!]) {
        if (!a.countryTraded[c.index]) continue
        const o = c.index * 4
        monthRows.push({
          period,
          countryCode: c.code,
          countryName: c.name,
          exportCount: a.byCountry[o]!,
          exportUsd: a.byCountry[o + 1]!,
          importCount: a.byCountry[o + 2]!,
          importUsd: a.byCountry[o + 3]!,
          balanceUsd: a.byCountry[o + 1]! - a.byCountry[o + 3]!,
        })
      }
      monthRows.sort(
        (x, y) =>
          y.exportUsd - x.exportUsd ||
          (x.countryCode < y.countryCode ? -1 : x.countryCode > y.countryCode ? 1 : 0),
      )
      for (const r of monthRows) rows.push(r)
    }
    return { rows, total: null }
  }

  /** `Newtrade`: Korea's totals per month whose country totals are out, and their sum (the totals row). */
  tradeTotals(from: number, to: number): SiblingAnswer<TotalsTradeRow, CountTotals> {
    const pub = this.dataset.publication(this.today())
    const first = Math.max(from, this.dataset.options.firstMonth)
    const last = Math.min(to, pub.lastTotalsMonth)
    const rows: TotalsTradeRow[] = []
    const t: CountTotals = { exportCount: 0, exportUsd: 0, importCount: 0, importUsd: 0, balanceUsd: 0 }
    for (let month = first; month <= last; month++) {
      const a = this.aggregate(month)
      const row: TotalsTradeRow = {
        period: formatPeriod(month),
        exportCount: 0,
        exportUsd: 0,
        importCount: 0,
        importUsd: 0,
        balanceUsd: 0,
      }
      for (let o = 0; o < a.byCountry.length; o += 4) {
        row.exportCount += a.byCountry[o]!
        row.exportUsd += a.byCountry[o + 1]!
        row.importCount += a.byCountry[o + 2]!
        row.importUsd += a.byCountry[o + 3]!
      }
      row.balanceUsd = row.exportUsd - row.importUsd
      if (row.exportUsd === 0 && row.importUsd === 0 && row.exportCount === 0 && row.importCount === 0)
        continue
      rows.push(row)
      t.exportCount += row.exportCount
      t.exportUsd += row.exportUsd
      t.importCount += row.importCount
      t.importUsd += row.importUsd
    }
    t.balanceUsd = t.exportUsd - t.importUsd
    return { rows, total: rows.length > 0 ? t : null }
  }

  /** The answer to a validated query: its kind (the stats outcome), row count and body text chunks. */
  serve(query: SiblingQuery): { outcome: 'ok' | 'totals-only' | 'empty'; rows: number; chunks: string[] } {
    let items: string[]
    let totals: string | null = null
    if (query.dataset === 'itemtrade') {
      const a = this.itemTrade(query.from, query.to, query.prefix)
      items = a.rows.map(itemTradeXml)
      if (a.total) totals = itemTotalsXml(a.total)
    } else if (query.dataset === 'nationtrade') {
      items = this.countryTrade(query.from, query.to, query.country).rows.map(countryTradeXml)
    } else {
      const a = this.tradeTotals(query.from, query.to)
      items = a.rows.map(totalsTradeXml)
      if (a.total) totals = countTotalsXml(a.total)
    }
    const rows = items.length
    const outcome = rows > 0 ? 'ok' : totals !== null ? 'totals-only' : 'empty'
    return { outcome, rows, chunks: document(items, totals) }
  }

  /** One full pass over the month's cells (≈ 3 M, most untraded), kept for the next queries. */
  private aggregate(month: number): MonthAggregate {
    const revision = this.revision()
    const key = `${revision}|${month}`
    const hit = this.cache.get(key)
    if (hit) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit
    }
    const d = this.dataset
    const n = d.codes.length
    const byCode = new Float64Array(n * 4)
    const codeTraded = new Uint8Array(n)
    const byCountry = new Float64Array(d.countries.length * 4)
    const countryTraded = new Uint8Array(d.countries.length)
    const cell: CellValues = { code: '', expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
    for (const country of d.countries) {
      if (country.target === 0) continue // dormant: never trades
      const oc = country.index * 4
      for (let i = 0; i < n; i++) {
        if (!d.cell(country, i, month, revision, cell)) continue
        // A cell served under a 6- or 9-digit quirk code still belongs to its 10-digit line here.
        const o = i * 4
        byCode[o] = byCode[o]! + cell.expWgt
        byCode[o + 1] = byCode[o + 1]! + cell.expDlr
        byCode[o + 2] = byCode[o + 2]! + cell.impWgt
        byCode[o + 3] = byCode[o + 3]! + cell.impDlr
        codeTraded[i] = 1
        byCountry[oc] = byCountry[oc]! + declarations(cell.expDlr, EXPORT_USD_PER_DECLARATION)
        byCountry[oc + 1] = byCountry[oc + 1]! + cell.expDlr
        byCountry[oc + 2] = byCountry[oc + 2]! + declarations(cell.impDlr, IMPORT_USD_PER_DECLARATION)
        byCountry[oc + 3] = byCountry[oc + 3]! + cell.impDlr
        countryTraded[country.index] = 1
      }
    }
    const a: MonthAggregate = { byCode, codeTraded, byCountry, countryTraded }
    this.cache.set(key, a)
    if (this.cache.size > AGGREGATE_CACHE) this.cache.delete(this.cache.keys().next().value!)
    return a
  }
}
