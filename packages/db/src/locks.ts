/**
 * Advisory lock keys (two-int4 form). The first int names the lock space of this package, so other
 * applications sharing the database are unlikely to collide.
 */
export const MIGRATION_LOCK = [0x4b435354, 1] as const // 'KCST'
export const SLICE_LOCK_SPACE = 0x4b435353 // 'KCSS'
/** Taken exclusively by all-country slices, shared by single-country slices. */
export const ALL_COUNTRIES_LOCK = 0

/** A collision-free lock id for a two-letter country code. */
export function countryLockId(country: string): number {
  return 1 + country.charCodeAt(0) * 256 + country.charCodeAt(1)
}
