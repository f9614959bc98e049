/**
 * Advisory lock keys (two-int4 form). The first int names the lock space of this package, so other
 * applications sharing the database are unlikely to collide.
 */
export const MIGRATION_LOCK = [0x4b435354, 1] as const // 'KCST'
export const SLICE_LOCK_SPACE = 0x4b435353 // 'KCSS'
/** Slices of country_totals (`nationtrade`): the same per-year scheme as trade_rows, a space of their own. */
export const NATION_LOCK_SPACE = 0x4b43534e // 'KCSN'
/** Slices of national_totals (`newtrade`): one exclusive lock per year. */
export const NATIONAL_LOCK_SPACE = 0x4b435357 // 'KCSW'
/**
 * A collision-free lock id for (year, country), or (year, all countries) when country is null:
 * `year * 32768 + (1 + c0 * 256 + c1)` stays below 2^31 for years up to 9999.
 */
export function sliceLockId(year: number, country: string | null): number {
  const c = country === null ? 0 : 1 + country.charCodeAt(0) * 256 + country.charCodeAt(1)
  return year * 32768 + c
}
