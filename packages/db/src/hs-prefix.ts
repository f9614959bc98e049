import { type SQL, sql } from 'drizzle-orm'
import { describeValue, InvalidArgumentError } from './errors.js'
import { prefixUpperBound } from './slice.js'

/**
 * A table alias spliced into SQL text. Aliases are literals of the db package's queries ('t', 's'); the check makes
 * sure no caller can ever turn one into an injection.
 */
export function rawAlias(alias: string): SQL {
  if (typeof alias !== 'string' || !/^[a-z_][a-z0-9_]{0,15}$/.test(alias))
    throw new InvalidArgumentError(
      'alias',
      `not a plain SQL alias: ${describeValue(alias)}`,
      "Use 't' or 's'.",
    )
  return sql.raw(alias)
}

/** An index-friendly prefix match: a range on hs_code (uses the btree) plus LIKE for exactness. */
export function hsPrefixCondition(prefix: string, alias = 't'): SQL {
  const a = rawAlias(alias)
  const upper = prefixUpperBound(prefix)
  const range =
    upper === null
      ? sql`${a}.hs_code >= ${prefix}`
      : sql`${a}.hs_code >= ${prefix} and ${a}.hs_code < ${upper}`
  return sql`(${range} and ${a}.hs_code like ${`${prefix}%`})`
}
