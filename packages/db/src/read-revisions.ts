/**
 * The revision log: every change a re-fetch made to mirrored rows (`revisions`), for the detail and
 * the sibling datasets.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidQueryError } from './errors.js'
import { assertDatabase, assertObject } from './guards.js'
import { limitOf } from './read.js'
import { queryCountry } from './slice.js'
import { rowsOf, toDate, toSafeNumber } from './sql.js'
import type { TotalsRevision } from './totals-read.js'
import { type Dataset, queryDataset, type TotalsDataset } from './totals-slice.js'
import type { TradeTotals } from './types.js'

/** A mirrored row's names and measures as a revision stored them before or after the change. */
export interface RevisionValues extends TradeTotals {
  countryName: string
  itemName: string
}

/** One change a re-fetch made to a mirrored row: added, changed or withdrawn. */
export interface Revision {
  id: number
  kind: 'added' | 'changed' | 'withdrawn'
  /** `YYYY-MM` */
  period: string
  country: string
  hsCode: string
  /** null for `added` */
  before: RevisionValues | null
  /** null for `withdrawn` */
  after: RevisionValues | null
  /** When the change was fetched. */
  at: Date
  sliceKey: string
}

/** Filter and paging of `revisions`; `since` must be a valid Date, else InvalidQueryError. */
export interface RevisionsQuery {
  /** Revisions at or after this instant. */
  since: Date
  /** Revisions before this instant. */
  until?: Date | undefined
  country?: string | undefined
  /** At most this many (default 100,000), in the order they were applied. */
  limit?: number | undefined
  /** Continue after this revision id (paging). */
  afterId?: number | undefined
  /** `'desc'`: the newest first (the latest `limit` changes); default `'asc'`, the order applied. */
  order?: 'asc' | 'desc' | undefined
  /** Whose changes: `nitemtrade` (default: trade_rows), `nationtrade` or `newtrade`. */
  dataset?: Dataset | undefined
}

/**
 * Changes re-fetches brought, in the order they were applied (by id: writers of overlapping slices
 * hold the slice lock, so ids follow their commit order, while `at` is when each answer was fetched
 * and two racing writers can have fetched in the other order). Replaying them in this order gives the
 * mirror's state, and `afterId` pages through them without gaps.
 */
export function revisions(
  db: KcsDatabase,
  query: RevisionsQuery & { dataset?: 'nitemtrade' | undefined },
): Promise<Revision[]>
/** A sibling dataset's changes (`dataset: 'nationtrade' | 'newtrade'`): see `TotalsRevision`. */
export function revisions(
  db: KcsDatabase,
  query: RevisionsQuery & { dataset: TotalsDataset },
): Promise<TotalsRevision[]>
/** Changes of the dataset named at run time. */
export function revisions(db: KcsDatabase, query: RevisionsQuery): Promise<Array<Revision | TotalsRevision>>
export async function revisions(
  db: KcsDatabase,
  query: RevisionsQuery,
): Promise<Array<Revision | TotalsRevision>> {
  assertDatabase(db)
  assertObject(query, 'query', 'Pass { since: new Date(...) } (see RevisionsQuery).')
  if (!(query.since instanceof Date) || Number.isNaN(query.since.getTime())) {
    throw new InvalidQueryError('since must be a valid Date')
  }
  const where: SQL[] = [sql`r.at >= ${query.since.toISOString()}::timestamptz`]
  if (query.until !== undefined) {
    if (!(query.until instanceof Date) || Number.isNaN(query.until.getTime())) {
      throw new InvalidQueryError('until must be a valid Date')
    }
    where.push(sql`r.at < ${query.until.toISOString()}::timestamptz`)
  }
  const country = queryCountry(query.country)
  if (country) where.push(sql`r.country_code = ${country}`)
  const dataset = queryDataset(query.dataset)
  where.push(sql`r.dataset = ${dataset}`)
  if (query.afterId !== undefined) {
    if (!Number.isSafeInteger(query.afterId) || query.afterId < 0) {
      throw new InvalidQueryError(
        `afterId must be a non-negative integer, got ${describeValue(query.afterId)}`,
      )
    }
    where.push(sql`r.id > ${query.afterId}::int8`)
  }
  const limit = limitOf(query.limit ?? 100_000)
  if (query.order !== undefined && query.order !== 'asc' && query.order !== 'desc') {
    throw new InvalidQueryError(`order must be 'asc' or 'desc', got ${String(query.order)}`)
  }
  const order = sql.raw(query.order === 'desc' ? 'desc' : 'asc')
  const rows = rowsOf<{
    id: string
    kind: Revision['kind']
    period: string
    country_code: string
    hs_code: string
    before: string | null
    after: string | null
    at: unknown
    slice_key: string
  }>(
    await db.execute(sql`
      select r.id::text as id, r.kind, to_char(r.period, 'YYYY-MM') as period, r.country_code, r.hs_code,
        r.before::text as before, r.after::text as after, r.at, r.slice_key
      from revisions r where ${sql.join(where, sql` and `)}
      order by r.id ${order} limit ${limit}`),
  )
  return rows.map((r) => ({
    id: toSafeNumber('id', r.id),
    kind: r.kind,
    period: r.period,
    country: r.country_code,
    hsCode: r.hs_code,
    before: r.before === null ? null : (JSON.parse(r.before) as RevisionValues),
    after: r.after === null ? null : (JSON.parse(r.after) as RevisionValues),
    at: toDate(r.at) ?? new Date(0),
    sliceKey: r.slice_key,
    // A sibling dataset's revision says whose it is; the detail's keep their shape.
    ...(dataset === 'nitemtrade' ? {} : { dataset }),
  }))
}
