/**
 * Bad-input cases of the sibling datasets' functions (and of the `dataset` options of the detail's
 * readers and `recordSliceFailure`), for bad-input.test.ts, which runs them with its own checks:
 * every case ends in a KcsDbError with a hint and leaves the database unchanged.
 */
import type { KcsDatabase } from '../connect.js'
import * as pkg from '../index.js'
import { countryRow, nationalRow, TOTALS_META } from './totals.js'

// biome-ignore lint/suspicious/noExplicitAny: the point is to call with wrong types
type Any = any
type Values = Array<[string, unknown]>

/** One case, as bad-input.test.ts runs it. */
export interface TotalsCase {
  name: string
  call: () => unknown
  expect: 'error' | ((value: unknown) => void)
}

/** What bad-input.test.ts shares with these cases. */
export interface BadInputKit {
  db: () => KcsDatabase
  each: (label: string, values: Values, call: (v: unknown) => unknown) => TotalsCase[]
  dbCases: (call: (d: unknown) => unknown) => TotalsCase[]
  NOT_AN_OBJECT: Values
  WRONG_TYPES: Values
  BAD_MONTHS: Values
  BAD_COUNTRY_LISTS: Values
  INJECTION: string
  TEN_MB: string
}

const WINDOW = { from: '2025-01', to: '2025-12' }
const FAILURE = { error: 'x', attempts: 1, durationMs: 1 }

/** Cases per function name; `recordSliceFailure`, `ledger` and `revisions` get extra cases for `dataset`. */
export function totalsBadInputCases(k: BadInputKit): Record<string, TotalsCase[]> {
  const { db, each, dbCases } = k
  const badDatasets: Values = [
    ...k.WRONG_TYPES.filter(([l]) => l !== 'undefined'),
    ['unknown', 'itemtrade'],
    ['upper case', 'NATIONTRADE'],
    ['injection', "nationtrade' or '1'='1"],
  ]
  const badSlices: Values = [
    ...k.NOT_AN_OBJECT,
    ['undefined', undefined],
    ['array', []],
    ['empty object', {}],
    ['13 months', { from: '2025-01', to: '2026-01' }],
    ['reversed', { from: '2025-06', to: '2025-01' }],
    ['injection in country', { country: k.INJECTION, ...WINDOW }],
    ['lower-case country', { country: 'us', ...WINDOW }],
    ['an HS prefix', { hs: '85', ...WINDOW }],
    ['symbol from', { from: Symbol('f'), to: '2025-02' }],
    ['bigint to', { from: '2025-01', to: 202502n }],
    ['10 MB from', { from: k.TEN_MB, to: '2025-02' }],
  ]
  const bad = (overrides: Record<string, unknown>) => [{ ...countryRow(), ...overrides }]
  const badCountryRows: Values = [
    ...k.NOT_AN_OBJECT.filter(([l]) => l !== 'function'),
    ['a row that is null', [null]],
    ['a row that is an array', [[]]],
    ['period outside the slice', bad({ period: '2024-12' })],
    ['malformed period', bad({ period: '2025-1' })],
    ['injection in countryCode', bad({ countryCode: k.INJECTION })],
    ['countryName a number', bad({ countryName: 5 })],
    ['countryName with NUL', bad({ countryName: '미\u0000국' })],
    ['exportCount negative', bad({ exportCount: -1 })],
    ['exportUsd NaN', bad({ exportUsd: Number.NaN })],
    ['importCount fractional', bad({ importCount: 1.5 })],
    ['importUsd a string', bad({ importUsd: '5' })],
    ['importUsd 2^60', bad({ importUsd: 2 ** 60 })],
    ['balanceUsd not export − import', bad({ balanceUsd: 1 })],
    ['balanceUsd bigint', bad({ balanceUsd: 2500n })],
    ['duplicate key', [countryRow(), countryRow()]],
    ['a million-element array of nulls', new Array(1_000_000).fill(null)],
    ['a million copies of one row (duplicates)', new Array(1_000_000).fill(countryRow())],
  ]
  const badMeta: Values = [
    ...k.NOT_AN_OBJECT.filter(([l]) => l !== 'function'),
    ['undefined', undefined],
    ['empty object', {}],
    ['bodySha256 a number', { ...TOTALS_META, bodySha256: 5 }],
    ['bodySha256 10 MB', { ...TOTALS_META, bodySha256: k.TEN_MB }],
    ['durationMs NaN', { ...TOTALS_META, durationMs: Number.NaN }],
    ['durationMs 1e12', { ...TOTALS_META, durationMs: 1e12 }],
    ['attempts -1', { ...TOTALS_META, attempts: -1 }],
    ['rowCount 1.5', { ...TOTALS_META, rowCount: 1.5 }],
    ['rowCount that does not match', { ...TOTALS_META, rowCount: 7 }],
    ['fetchedAt invalid', { ...TOTALS_META, fetchedAt: new Date(Number.NaN) }],
    ['sumsMatch a string', { ...TOTALS_META, sumsMatch: 'yes' }],
    ['total not an object', { ...TOTALS_META, total: 'all' }],
    ['total with NaN', { ...TOTALS_META, total: { ...nationalRow(), exportCount: Number.NaN } }],
    ['a function returning garbage', () => 'meta'],
    [
      'a function that throws',
      () => {
        throw new Error('meta broke')
      },
    ],
  ]
  const country = (s: unknown, r: unknown = [countryRow()], m: unknown = TOTALS_META, o?: unknown) =>
    pkg.replaceCountryTotals(db(), s as Any, r as Any, m as Any, o as Any)
  const national = (s: unknown, r: unknown = [nationalRow()]) =>
    pkg.replaceNationalTotals(db(), s as Any, r as Any, TOTALS_META)
  const windowCases = (call: (q: unknown) => unknown): TotalsCase[] => [
    ...each('query', [...k.NOT_AN_OBJECT, ['undefined', undefined]], call),
    ...each('from', k.BAD_MONTHS, (v) => call({ ...WINDOW, from: v })),
    ...each('to', k.BAD_MONTHS, (v) => call({ ...WINDOW, to: v })),
    { name: 'reversed window', call: () => call({ from: '2025-06', to: '2025-01' }), expect: 'error' },
  ]
  const readerCases = (call: (q: unknown) => unknown): TotalsCase[] => [
    ...windowCases(call),
    ...each('countries', k.BAD_COUNTRY_LISTS, (v) => call({ ...WINDOW, countries: v })),
  ]
  return {
    replaceCountryTotals: [
      ...dbCases((d) => pkg.replaceCountryTotals(d as Any, WINDOW, [countryRow()], TOTALS_META)),
      ...each('slice', badSlices, (s) => country(s)),
      ...each('rows', badCountryRows, (r) => country(WINDOW, r)),
      {
        name: 'rows: another country in a country slice',
        call: () => country({ country: 'CN', ...WINDOW }),
        expect: 'error',
      },
      {
        name: 'rows: an async source that fails halfway',
        call: () =>
          country(
            WINDOW,
            (async function* () {
              yield countryRow()
              throw new Error('socket hang up')
            })(),
          ),
        expect: 'error',
      },
      // (not through `country`: its default would replace an undefined meta)
      ...each('meta', badMeta, (m) => pkg.replaceCountryTotals(db(), WINDOW, [countryRow()], m as Any)),
      ...each('options', k.NOT_AN_OBJECT, (o) => country(WINDOW, [countryRow()], TOTALS_META, o)),
      ...each(
        'options.batchSize',
        [
          ['0', 0],
          ['NaN', Number.NaN],
          ['1e12', 1e12],
          ['"10"', '10'],
        ],
        (v) => country(WINDOW, [countryRow()], TOTALS_META, { batchSize: v }),
      ),
    ],
    replaceNationalTotals: [
      ...dbCases((d) => pkg.replaceNationalTotals(d as Any, WINDOW, [nationalRow()], TOTALS_META)),
      ...each('slice', [...badSlices, ['a country', { country: 'US', ...WINDOW }]], (s) => national(s)),
      ...each(
        'rows',
        [
          ...k.NOT_AN_OBJECT.filter(([l]) => l !== 'function'),
          ['a row that is null', [null]],
          ['period outside the slice', [nationalRow({ period: '2026-01' })]],
          ['exportUsd negative', [{ ...nationalRow(), exportUsd: -5 }]],
          ['balanceUsd not export − import', [{ ...nationalRow(), balanceUsd: 0 }]],
          ['duplicate month', [nationalRow(), nationalRow()]],
        ],
        (r) => national(WINDOW, r),
      ),
      ...each('meta', badMeta, (m) => pkg.replaceNationalTotals(db(), WINDOW, [nationalRow()], m as Any)),
    ],
    totalsSliceKey: [
      ...each('dataset', [...badDatasets, ['nitemtrade', 'nitemtrade']], (d) =>
        pkg.totalsSliceKey(d as Any, WINDOW),
      ),
      ...each('slice', badSlices, (s) => pkg.totalsSliceKey('nationtrade', s as Any)),
    ],
    countryTotals: [
      ...dbCases((d) => pkg.countryTotals(d as Any, WINDOW)),
      ...readerCases((q) => pkg.countryTotals(db(), q as Any)),
    ],
    nationalTotals: [
      ...dbCases((d) => pkg.nationalTotals(d as Any, WINDOW)),
      ...windowCases((q) => pkg.nationalTotals(db(), q as Any)),
    ],
    mirrorMonthlySums: [
      ...dbCases((d) => pkg.mirrorMonthlySums(d as Any, WINDOW)),
      ...readerCases((q) => pkg.mirrorMonthlySums(db(), q as Any)),
    ],
    syncedMonths: [
      ...dbCases((d) => pkg.syncedMonths(d as Any, WINDOW)),
      ...readerCases((q) => pkg.syncedMonths(db(), q as Any)),
    ],
    recordSliceFailure: [
      ...each('options', k.NOT_AN_OBJECT, (o) =>
        pkg.recordSliceFailure(db(), { country: 'US', ...WINDOW }, FAILURE, o as Any),
      ),
      ...each('options.dataset', badDatasets, (d) =>
        pkg.recordSliceFailure(db(), WINDOW, FAILURE, { dataset: d as Any }),
      ),
      ...each('slice (newtrade)', badSlices, (s) =>
        pkg.recordSliceFailure(db(), s as Any, FAILURE, { dataset: 'newtrade' }),
      ),
      {
        name: 'slice: a country for newtrade',
        call: () =>
          pkg.recordSliceFailure(db(), { country: 'US', ...WINDOW }, FAILURE, { dataset: 'newtrade' }),
        expect: 'error',
      },
    ],
    ledger: each('dataset', badDatasets, (d) => pkg.ledger(db(), { dataset: d as Any })),
    revisions: each('dataset', badDatasets, (d) =>
      pkg.revisions(db(), { since: new Date(0), dataset: d as Any }),
    ),
  }
}
