/**
 * The emulator's answers and revisions, assembled from the cells of `cells.ts`: which months are
 * published, the rows of a query at its granularity, the totals row, and the rows two revisions differ in.
 */
import { type CalendarDate, monthIndex } from './calendar.js'
import {
  CellModel,
  P_TOUCH_OLDER,
  P_TOUCH_RECENT,
  REVISION_HORIZON,
  REVISION_RECENT,
  S_DRIFT,
  S_REV_FIRE,
  TWO_32,
} from './cells.js'
import type {
  Answer,
  CellChange,
  CellValues,
  CountryModel,
  DataQuery,
  DataRow,
  Publication,
  Totals,
} from './data-types.js'
import { TOTALS_DRIFT_PER_ROW } from './data-types.js'
import { hash, mix32 } from './random.js'
import { RowTable } from './rows.js'

export * from './data-types.js'
export { Labels, RowTable } from './rows.js'

/** The dataset the emulator serves: its cells, and the answers and revision differences built from them. */
export class Dataset extends CellModel {
  /** The newest months with country totals and with item detail, as published on `today`. */
  publication(today: CalendarDate): Publication {
    const current = monthIndex(today.year, today.month)
    const { totalsDay, detailDay } = this.options.release
    return {
      lastTotalsMonth: today.day >= totalsDay ? current - 1 : current - 2,
      lastDetailMonth: today.day >= detailDay ? current - 1 : current - 2,
    }
  }

  /** Index range [lo, hi) of the 10-digit codes starting with a prefix. */
  codeRange(prefix: string): [number, number] {
    if (prefix === '') return [0, this.codes.length]
    return [lowerBound(this.codes, prefix), lowerBound(this.codes, `${prefix}\uffff`)]
  }

  /** The answer the API gives for a query at a revision, seen on a given day. */
  answer(query: DataQuery, revision: number, today: CalendarDate): Answer {
    const pub = this.publication(today)
    const first = Math.max(query.from, this.options.firstMonth)
    const detailTo = Math.min(query.to, pub.lastDetailMonth)
    const totalsTo = Math.min(query.to, pub.lastTotalsMonth)
    if (first > detailTo) {
      if (first > totalsTo) return { kind: 'empty', rows: new RowTable(this.labels, 0), totals: null }
      // Only months in their first release stage: country totals are out, item detail is not.
      const rows = this.collect(query, first, totalsTo, revision)
      if (rows.length === 0) return this.noTrade()
      return { kind: 'totals-only', rows: new RowTable(this.labels, 0), totals: this.totals(rows, query) }
    }
    const rows = this.collect(query, first, detailTo, revision)
    if (rows.length === 0) return this.noTrade()
    return { kind: 'rows', rows, totals: this.totals(rows, query) }
  }

  private noTrade(): Answer {
    if (this.options.emptyAnswer === 'zero-totals') {
      return {
        kind: 'totals-only',
        rows: new RowTable(this.labels, 0),
        totals: { expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 },
      }
    }
    return { kind: 'empty', rows: new RowTable(this.labels, 0), totals: null }
  }

  private totals(rows: RowTable, query: DataQuery): Totals {
    const t: Totals = { expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
    const v = rows.values
    for (let o = 0; o < rows.length * 4; o += 4) {
      t.expWgt += v[o]!
      t.expDlr += v[o + 1]!
      t.impWgt += v[o + 2]!
      t.impDlr += v[o + 3]!
    }
    const setting = this.options.totalsWeightDrift
    const drift = setting === 'per-row' ? Math.ceil(2 * TOTALS_DRIFT_PER_ROW * rows.length) : setting
    if (drift > 0) {
      // The live totals row's weights can be off by rounding; dollars never are.
      const h = hash(
        this.seed,
        S_DRIFT,
        query.country ?? -1,
        query.from * 4096 + query.to,
        Number(query.prefix || 0),
      )
      t.expWgt += (h % (2 * drift + 1)) - drift
      t.impWgt += (mix32(h) % (2 * drift + 1)) - drift
    }
    return t
  }

  /** Rows for months [from, to], months outermost, then countries, then codes. */
  private collect(query: DataQuery, from: number, to: number, revision: number): RowTable {
    const level = granularity(query.prefix)
    const [lo, hi] = this.codeRange(query.prefix)
    const countries = query.country === undefined ? this.countries : [this.countries[query.country]!]
    // Pre-size from the countries' expected rows, so a whole-year answer rarely regrows.
    const share = (hi - lo) / Math.max(1, this.codes.length)
    let expected = 0
    for (const c of countries) expected += c.target * share
    const rows = new RowTable(this.labels, Math.min(2_000_000, expected * (to - from + 1) * 1.15 + 64))
    const cell = blankCell()
    for (let month = from; month <= to; month++) {
      for (const country of countries) {
        if (level === 10) this.collectDetail(country, month, lo, hi, query.prefix, revision, cell, rows)
        else this.collectAggregate(country, month, lo, hi, level, revision, cell, rows)
      }
    }
    return rows
  }

  private collectDetail(
    country: CountryModel,
    month: number,
    lo: number,
    hi: number,
    prefix: string,
    revision: number,
    cell: CellValues,
    rows: RowTable,
  ): void {
    let odd: Map<string, { name: string; v: CellValues }> | undefined
    for (let i = lo; i < hi; i++) {
      if (!this.cell(country, i, month, revision, cell)) continue
      if (cell.code.length === 10) {
        rows.push(month, country.index, i, cell)
        continue
      }
      // A quirk code: it must still start with the prefix sent, and two of them may coincide.
      if (!cell.code.startsWith(prefix)) continue
      odd ??= new Map()
      const seen = odd.get(cell.code)
      if (seen) {
        seen.v.expWgt += cell.expWgt
        seen.v.expDlr += cell.expDlr
        seen.v.impWgt += cell.impWgt
        seen.v.impDlr += cell.impDlr
      } else {
        odd.set(cell.code, { name: this.names[i]!, v: { ...cell } })
      }
    }
    if (odd) {
      for (const code of [...odd.keys()].sort()) {
        const o = odd.get(code)!
        rows.push(month, country.index, this.labels.intern(code, o.name), o.v)
      }
    }
  }

  private collectAggregate(
    country: CountryModel,
    month: number,
    lo: number,
    hi: number,
    level: number,
    revision: number,
    cell: CellValues,
    rows: RowTable,
  ): void {
    let groupCode = ''
    for (let i = lo; i < hi; i++) {
      if (!this.cell(country, i, month, revision, cell)) continue
      const code = this.codes[i]!
      if (groupCode !== '' && code.startsWith(groupCode)) {
        rows.addInto(rows.length - 1, cell)
        continue
      }
      groupCode = code.slice(0, level)
      rows.push(
        month,
        country.index,
        this.labels.intern(groupCode, this.tables.headingName(groupCode) ?? ''),
        cell,
      )
    }
  }

  /**
   * Every cell whose served 10-digit-level row differs between two revisions, for months up to
   * `lastDetailMonth`. Only cells a revision step touched can differ, so the scan is one hash per cell
   * and step.
   */
  changes(
    fromRevision: number,
    toRevision: number,
    lastDetailMonth: number,
    filter: { country?: number; from?: number; to?: number } = {},
  ): CellChange[] {
    const out: CellChange[] = []
    if (fromRevision === toRevision) return out
    const lowRev = Math.min(fromRevision, toRevision)
    const highRev = Math.max(fromRevision, toRevision)
    const anchor = this.options.revisionAnchor
    const firstMonth = Math.max(
      anchor - REVISION_HORIZON + 1,
      this.options.firstMonth,
      filter.from ?? -Infinity,
    )
    const lastMonth = Math.min(anchor, lastDetailMonth, filter.to ?? Infinity)
    const countries = filter.country === undefined ? this.countries : [this.countries[filter.country]!]
    const before = blankCell()
    const after = blankCell()
    for (let month = firstMonth; month <= lastMonth; month++) {
      const age = anchor - month
      const pTouch = age < REVISION_RECENT ? P_TOUCH_RECENT : P_TOUCH_OLDER
      for (const country of countries) {
        if (!country.wx) this.prepare(country)
        const baseHash = country.baseHash!
        for (let i = 0; i < this.codes.length; i++) {
          let touched = false
          const hm = mix32(baseHash[i]! ^ Math.imul(month, 0x9e3779b1))
          for (let r = Math.max(2, lowRev + 1); r <= highRev; r++) {
            if (mix32(mix32(hm ^ Math.imul(r, 0x85ebca77)) ^ S_REV_FIRE) / TWO_32 < pTouch) {
              touched = true
              break
            }
          }
          if (!touched) continue
          const a = this.cell(country, i, month, fromRevision, before)
          const b = this.cell(country, i, month, toRevision, after)
          if (!a && !b) continue
          const name = this.names[i]!
          const rowOf = (v: CellValues): DataRow => ({ month, country, name, ...v })
          if (a && b) {
            if (sameValues(before, after)) continue
            out.push({
              kind: 'changed',
              month,
              country,
              code: after.code,
              before: rowOf(before),
              after: rowOf(after),
            })
          } else if (b) {
            out.push({ kind: 'added', month, country, code: after.code, before: null, after: rowOf(after) })
          } else {
            out.push({
              kind: 'withdrawn',
              month,
              country,
              code: before.code,
              before: rowOf(before),
              after: null,
            })
          }
        }
      }
    }
    return out
  }
}

export function granularity(prefix: string): number {
  switch (prefix.length) {
    case 2:
      return 4
    case 4:
      return 6
    default:
      return 10
  }
}

function blankCell(): CellValues {
  return { code: '', expWgt: 0, expDlr: 0, impWgt: 0, impDlr: 0 }
}

function sameValues(a: CellValues, b: CellValues): boolean {
  return (
    a.code === b.code &&
    a.expWgt === b.expWgt &&
    a.expDlr === b.expDlr &&
    a.impWgt === b.impWgt &&
    a.impDlr === b.impDlr
  )
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
