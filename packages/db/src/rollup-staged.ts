import { sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import type { NormalizedSlice } from './types.js'

interface Group {
  country: string
  period: string
  prefix: string
  name: string
  rows: number
  exportKg: number
  exportUsd: number
  importKg: number
  importUsd: number
  balanceUsd: number
}

/**
 * The 4-digit rollup groups of the rows a first write sends, summed while they are encoded, so the
 * rollup is one insert of the groups instead of a second pass over the rows in trade_rows. Exact or
 * nothing: a group whose rows carry different country names (PostgreSQL's `max` follows the
 * database's collation) or a sum beyond the safe-integer range makes it give up (`exact` false), and
 * the rollup is then computed from trade_rows as before.
 */
export class StagedGroups {
  private readonly groups = new Map<string, Group>()
  private last: Group | undefined
  private lastKey = ''
  /** False once a group cannot be summed exactly here. */
  exact = true

  /** Adds one row (its stored, redacted country name). */
  add(
    period: string,
    country: string,
    hsCode: string,
    name: string,
    exportKg: number,
    exportUsd: number,
    importKg: number,
    importUsd: number,
    balanceUsd: number,
  ): void {
    if (!this.exact) return
    const prefix = hsCode.slice(0, 4)
    const key = `${country}|${period}|${prefix}`
    let g = key === this.lastKey ? this.last : this.groups.get(key)
    if (g === undefined) {
      g = {
        country,
        period,
        prefix,
        name,
        rows: 0,
        exportKg: 0,
        exportUsd: 0,
        importKg: 0,
        importUsd: 0,
        balanceUsd: 0,
      }
      this.groups.set(key, g)
    } else if (g.name !== name) {
      this.giveUp()
      return
    }
    this.last = g
    this.lastKey = key
    g.rows++
    g.exportKg += exportKg
    g.exportUsd += exportUsd
    g.importKg += importKg
    g.importUsd += importUsd
    g.balanceUsd += balanceUsd
    // Sums of safe integers are exact until they leave the safe range; past it, leave it to SQL.
    const max = Number.MAX_SAFE_INTEGER
    if (
      Math.abs(g.exportKg) > max ||
      Math.abs(g.exportUsd) > max ||
      Math.abs(g.importKg) > max ||
      Math.abs(g.importUsd) > max ||
      Math.abs(g.balanceUsd) > max
    )
      this.giveUp()
  }

  /**
   * Whether the slice holds whole 4-digit groups (no HS prefix, or one of at most 4 digits): then
   * its rows are all of their groups' rows on a first write into an empty part of the mirror.
   */
  covers(s: NormalizedSlice): boolean {
    return s.hs === null || s.hs.length <= 4
  }

  /** Inserts the groups as `digits = 4` rows of trade_monthly (one statement). */
  async insert(tx: Pick<KcsDatabase, 'execute'>): Promise<void> {
    const list = [...this.groups.values()]
    if (list.length === 0) return
    const col = <T>(pick: (g: Group) => T) => sql.param(list.map(pick))
    await tx.execute(sql`
      insert into trade_monthly (digits, country_code, period, hs_prefix, country_name, row_count,
        export_kg, export_usd, import_kg, import_usd, balance_usd)
      select 4, u.* from unnest(${col((g) => g.country)}::text[], ${col((g) => `${g.period}-01`)}::date[],
        ${col((g) => g.prefix)}::text[], ${col((g) => g.name)}::text[], ${col((g) => g.rows)}::int4[],
        ${col((g) => g.exportKg)}::numeric[], ${col((g) => g.exportUsd)}::numeric[],
        ${col((g) => g.importKg)}::numeric[], ${col((g) => g.importUsd)}::numeric[],
        ${col((g) => g.balanceUsd)}::numeric[]) as u`)
  }

  private giveUp(): void {
    this.exact = false
    this.groups.clear()
    this.last = undefined
    this.lastKey = ''
  }
}
