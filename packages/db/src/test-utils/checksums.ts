import { sql } from 'drizzle-orm'
import type { KcsDatabase } from '../connect.js'

/** One table's size and content fingerprint. */
export interface TableChecksum {
  table: string
  rows: number
  md5: string
}

/**
 * Row count and an md5 of every row (as text, sorted) of every table in the `public` and `drizzle`
 * schemas, in name order: equal before and after means the database did not change. Table names come
 * from the catalogue and are quoted as identifiers.
 */
export async function tableChecksums(db: KcsDatabase): Promise<TableChecksum[]> {
  const tables = (
    (await db.execute(sql`
      select table_schema as s, table_name as t from information_schema.tables
      where table_schema in ('public', 'drizzle') and table_type = 'BASE TABLE'
      order by 1, 2`)) as unknown as { rows: Array<{ s: string; t: string }> }
  ).rows
  const out: TableChecksum[] = []
  for (const { s, t } of tables) {
    const r = (
      (await db.execute(sql`
        select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h
        from ${sql.identifier(s)}.${sql.identifier(t)} x`)) as unknown as {
        rows: Array<{ n: number; h: string }>
      }
    ).rows[0]
    out.push({ table: `${s}.${t}`, rows: Number(r?.n ?? 0), md5: String(r?.h ?? '') })
  }
  return out
}
