import { type SQL, sql } from 'drizzle-orm'
import { rawAlias } from './hs-prefix.js'
import { ROW_COLUMNS } from './replace-copy.js'
import { scopeOf } from './replace-ledger.js'
import { rowsOf } from './sql.js'
import type { Tx } from './transaction.js'
import type { NormalizedSlice } from './types.js'

/** What applying a re-fetch changed. */
export interface DiffOutcome {
  added: number
  changed: number
  withdrawn: number
  revisionsRecorded: number
}

/**
 * Compares the staged answer (`kcs_stage`) with the slice's rows in trade_rows in one pass, keeps only
 * the differences, applies them (delete withdrawn, update changed, insert added, each with
 * `fetched_at = at`) and writes them to `revisions`. An unchanged or slightly revised
 * answer costs one join and a few small statements.
 */
export async function applyDiff(tx: Tx, s: NormalizedSlice, at: string): Promise<DiffOutcome> {
  const scope = scopeOf(s)
  await tx.execute(sql`
    create temp table kcs_diff on commit drop as
    select
      case when t.hs_code is null then 'added' when s.hs_code is null then 'withdrawn' else 'changed' end as kind,
      coalesce(s.period, t.period) as period,
      coalesce(s.country_code, t.country_code) as country_code,
      coalesce(s.hs_code, t.hs_code) as hs_code,
      s.country_name, s.item_name, s.export_kg, s.export_usd, s.import_kg, s.import_usd, s.balance_usd,
      case when t.hs_code is null then null else ${afterJson('t')} end as before,
      case when s.hs_code is null then null else ${afterJson('s')} end as after
    from kcs_stage s
    full join (select * from trade_rows t where ${scope}) t
      on t.country_code = s.country_code and t.period = s.period and t.hs_code = s.hs_code
    where t.hs_code is null or s.hs_code is null or ${DIFFERS}`)
  const kinds = rowsOf<{ kind: string; n: number }>(
    await tx.execute(sql`select kind, count(*)::int as n from kcs_diff group by kind`),
  )
  const n = (kind: string) => Number(kinds.find((k) => k.kind === kind)?.n ?? 0)
  const added = n('added')
  const changed = n('changed')
  const withdrawn = n('withdrawn')
  let revisionsRecorded = 0
  if (withdrawn > 0) {
    await tx.execute(sql`
      delete from trade_rows t using kcs_diff d
      where d.kind = 'withdrawn'
        and t.country_code = d.country_code and t.period = d.period and t.hs_code = d.hs_code`)
  }
  if (changed > 0) {
    await tx.execute(sql`
      update trade_rows t set
        country_name = d.country_name, item_name = d.item_name,
        export_kg = d.export_kg, export_usd = d.export_usd,
        import_kg = d.import_kg, import_usd = d.import_usd, balance_usd = d.balance_usd,
        fetched_at = ${at}::timestamptz
      from kcs_diff d
      where d.kind = 'changed'
        and t.country_code = d.country_code and t.period = d.period and t.hs_code = d.hs_code`)
  }
  if (added > 0) {
    await tx.execute(sql`
      insert into trade_rows (${sql.raw(ROW_COLUMNS)}, fetched_at)
      select ${sql.raw(ROW_COLUMNS)}, ${at}::timestamptz from kcs_diff where kind = 'added'`)
  }
  if (added + changed + withdrawn > 0) {
    revisionsRecorded = counts(
      await tx.execute(sql`
        with r as (
          insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
          select kind, period, country_code, hs_code, before, after, ${at}::timestamptz, ${s.key}
          from kcs_diff
          order by country_code, period, hs_code
          returning 1
        )
        select count(*)::int as n, 0 as r from r`),
    ).n
  }
  await tx.execute(sql`drop table kcs_diff`)
  return { added, changed, withdrawn, revisionsRecorded }
}

/** The staging table of a re-fetch: the answer's rows, dropped at commit. */
export const CREATE_STAGE = `create temp table kcs_stage (
  period date not null, country_code varchar(2) not null, hs_code varchar(10) not null,
  country_name text not null, item_name text not null,
  export_kg bigint not null, export_usd bigint not null, import_kg bigint not null,
  import_usd bigint not null, balance_usd bigint not null
) on commit drop`

const DIFFERS = sql.raw(
  `(t.country_name, t.item_name, t.export_kg, t.export_usd, t.import_kg, t.import_usd, t.balance_usd)
   is distinct from
   (s.country_name, s.item_name, s.export_kg, s.export_usd, s.import_kg, s.import_usd, s.balance_usd)`,
)

function afterJson(alias: string): SQL {
  rawAlias(alias)
  return sql.raw(
    `jsonb_build_object('countryName', ${alias}.country_name, 'itemName', ${alias}.item_name,
      'exportKg', ${alias}.export_kg, 'exportUsd', ${alias}.export_usd, 'importKg', ${alias}.import_kg,
      'importUsd', ${alias}.import_usd, 'balanceUsd', ${alias}.balance_usd)`,
  )
}

function counts(result: unknown): { n: number; r: number } {
  const row = rowsOf<{ n: number; r: number }>(result)[0]
  return { n: Number(row?.n ?? 0), r: Number(row?.r ?? 0) }
}
