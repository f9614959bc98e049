/**
 * Bad input to every public function and class of @kcs-trade/db: wrong types, empty, oversized and
 * malformed values end in a KcsDbError subclass whose message says what was wrong and carries a hint
 * — never a raw TypeError or a driver error, never a hang — and the database is unchanged afterwards
 * (every table's row count and checksum are compared before and after each case). Runs on PGlite; the
 * SQL-injection round trips on both backends are in sql-injection.test.ts. The table is checked
 * against the runtime exports, so a new export without cases fails here.
 */
import { sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import * as pkg from './index.js'
import { KcsDbError } from './index.js'
import { META, row, rows, useTestDb } from './test-utils/backends.js'
import { tableChecksums } from './test-utils/checksums.js'
import { countryRows, nationalRows, TOTALS_META } from './test-utils/totals.js'
import { totalsBadInputCases } from './test-utils/totals-bad-input.js'

const TEN_MB = 'x'.repeat(10 * 1024 * 1024)
const INJECTION = "US'; DROP TABLE trade_rows; --"
const WRONG_TYPES: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['number', 42],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['boolean', true],
  ['bigint', 10n],
  ['symbol', Symbol('s')],
  ['object', {}],
  ['array', []],
  ['function', () => 'x'],
]
const NOT_AN_OBJECT = WRONG_TYPES.filter(([, v]) => v === null || (typeof v !== 'object' && v !== undefined))
const NOT_A_DB: Array<[string, unknown]> = [
  ...WRONG_TYPES,
  ['a string URL', 'memory://'],
  ['an object with execute only', { execute: async () => ({ rows: [] }) }],
]
/** Bad month values for `from`/`to`. */
const BAD_MONTHS: Array<[string, unknown]> = [
  ...WRONG_TYPES,
  ['empty', ''],
  ['13th month', '2025-13'],
  ['month 00', '2025-00'],
  ['a full date', '2025-01-31'],
  ['injection', "2025-01'; DROP TABLE trade_rows; --"],
  ['10 MB', TEN_MB],
  ['NUL', '2025\u000001'],
]
const BAD_COUNTRIES: Array<[string, unknown]> = [
  ['number', 42],
  ['symbol', Symbol('c')],
  ['bigint', 1n],
  ['object', {}],
  ['lower case', 'us'],
  ['three letters', 'USA'],
  ['injection', INJECTION],
  ['10 MB', TEN_MB],
  ['NUL', 'U\u0000'],
]
const BAD_PREFIXES: Array<[string, unknown]> = [
  ['number', 85],
  ['symbol', Symbol('h')],
  ['letters', 'ab'],
  ['eleven digits', '12345678901'],
  ['injection', "85' OR '1'='1"],
  ['LIKE wildcard', '85%'],
  ['10 MB', '1'.repeat(10 * 1024 * 1024)],
]
const BAD_LIMITS: unknown[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e12, '10', null, 10n]

// biome-ignore lint/suspicious/noExplicitAny: the point is to call with wrong types
type Any = any
type Expect = 'error' | ((value: unknown) => void)
interface Case {
  name: string
  call: () => unknown
  expect: Expect
}

const test = useTestDb({ name: 'pglite', skip: false })
const db = () => test.db
const WINDOW = { from: '2025-01', to: '2025-12' }

async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = []
  for await (const r of iterable) out.push(r)
  return out
}

function each(label: string, values: Array<[string, unknown]>, call: (v: unknown) => unknown): Case[] {
  return values.map(
    ([name, v]): Case => ({ name: `${label}: ${name}`, call: () => call(v), expect: 'error' }),
  )
}

/** Month, country and prefix cases of a query-taking reader. */
function queryCases(
  call: (query: Record<string, unknown>) => unknown,
  fields: { country?: boolean; hs?: boolean; limit?: boolean },
): Case[] {
  const base: Record<string, unknown> = { ...WINDOW, ...(fields.limit ? { limit: 10 } : {}) }
  const list: Case[] = [
    ...each('query', [...NOT_AN_OBJECT, ['undefined', undefined]], (q) => call(q as Any)),
    ...each('from', BAD_MONTHS, (v) => call({ ...base, from: v })),
    ...each('to', BAD_MONTHS, (v) => call({ ...base, to: v })),
    {
      name: 'reversed window',
      call: () => call({ ...base, from: '2025-06', to: '2025-01' }),
      expect: 'error',
    },
  ]
  if (fields.country) list.push(...each('country', BAD_COUNTRIES, (v) => call({ ...base, country: v })))
  if (fields.hs) list.push(...each('hsPrefix', BAD_PREFIXES, (v) => call({ ...base, hsPrefix: v })))
  if (fields.limit) {
    list.push(
      ...BAD_LIMITS.map(
        (v): Case => ({
          name: `limit ${String(v)}`,
          call: () => call({ ...base, limit: v }),
          expect: 'error',
        }),
      ),
    )
    list.push(
      ...each(
        'by',
        [
          ['unknown', 'price'],
          ['__proto__', '__proto__'],
          ['toString', 'toString'],
          ['injection', '1; drop table trade_rows'],
        ],
        (v) => call({ ...base, by: v }),
      ),
    )
  }
  return list
}

const BAD_COUNTRY_LISTS: Array<[string, unknown]> = [
  ['a string', 'US'],
  ['a number', 5],
  ...BAD_COUNTRIES.map(([l, v]): [string, unknown] => [`[${l}]`, [v]]),
  ['a million entries', new Array(1_000_000).fill('U')],
]

/** Window, HS prefix and country-list cases of a TradeSelection-taking function. */
function selectionCases(call: (query: unknown) => unknown): Case[] {
  return [
    ...queryCases(call, { hs: true }),
    ...each('countries', BAD_COUNTRY_LISTS, (v) => call({ ...WINDOW, countries: v })),
  ]
}

function dbCases(call: (d: unknown) => unknown): Case[] {
  return each('db', NOT_A_DB, call)
}

const SLICE = { country: 'US', from: '2025-01', to: '2025-12' }
const BAD_SLICES: Array<[string, unknown]> = [
  ...NOT_AN_OBJECT,
  ['undefined', undefined],
  ['empty object', {}],
  ['no country nor hs', { from: '2025-01', to: '2025-02' }],
  ['13 months', { country: 'US', from: '2025-01', to: '2026-01' }],
  ['reversed', { country: 'US', from: '2025-06', to: '2025-01' }],
  ['injection in country', { country: INJECTION, from: '2025-01', to: '2025-02' }],
  ['injection in hs', { hs: "85'; --", from: '2025-01', to: '2025-02' }],
  ['lower-case country', { country: 'us', from: '2025-01', to: '2025-02' }],
  ['10 MB hs', { hs: '1'.repeat(10 * 1024 * 1024), from: '2025-01', to: '2025-02' }],
  ['symbol from', { country: 'US', from: Symbol('f'), to: '2025-02' }],
  ['bigint to', { country: 'US', from: '2025-01', to: 202502n }],
]
const bad = (overrides: Record<string, unknown>) => [{ ...row(), ...overrides }]
const BAD_ROWS: Array<[string, unknown]> = [
  ...NOT_AN_OBJECT.filter(([l]) => l !== 'function'),
  ['a row that is null', [null]],
  ['a row that is a string', ['row']],
  ['period outside the slice', bad({ period: '2024-12' })],
  ['malformed period', bad({ period: '2025-1' })],
  ['injection in countryCode', bad({ countryCode: INJECTION })],
  ['another country', bad({ countryCode: 'CN' })],
  ['hsCode with letters', bad({ hsCode: '01a1' })],
  ['hsCode too long', bad({ hsCode: '12345678901' })],
  ['countryName a number', bad({ countryName: 5 })],
  ['itemName null', bad({ itemName: null })],
  ['exportKg NaN', bad({ exportKg: Number.NaN })],
  ['exportUsd Infinity', bad({ exportUsd: Number.POSITIVE_INFINITY })],
  ['importKg 2^60', bad({ importKg: 2 ** 60 })],
  ['importUsd a string', bad({ importUsd: '5' })],
  ['balanceUsd bigint', bad({ balanceUsd: 5n })],
  ['exportKg fractional', bad({ exportKg: 1.5 })],
  ['duplicate key', [row(), row()]],
  ['a million-element array of nulls', new Array(1_000_000).fill(null)],
  ['a million copies of one row (duplicates)', new Array(1_000_000).fill(row())],
]
const BAD_META: Array<[string, unknown]> = [
  ...NOT_AN_OBJECT.filter(([l]) => l !== 'function'),
  ['undefined', undefined],
  ['empty object', {}],
  ['bodySha256 a number', { ...META, bodySha256: 5 }],
  ['durationMs NaN', { ...META, durationMs: Number.NaN }],
  ['attempts -1', { ...META, attempts: -1 }],
  ['rowCount 1.5', { ...META, rowCount: 1.5 }],
  ['rowCount that does not match', { ...META, rowCount: 7 }],
  ['fetchedAt invalid', { ...META, fetchedAt: new Date(Number.NaN) }],
  ['total not an object', { ...META, total: 'all' }],
  [
    'total with NaN',
    { ...META, total: { exportKg: Number.NaN, exportUsd: 0, importKg: 0, importUsd: 0, balanceUsd: 0 } },
  ],
  ['a function returning garbage', () => 'meta'],
  [
    'a function that throws',
    () => {
      throw new Error('meta broke')
    },
  ],
]

const TABLE: Record<string, Case[]> = {
  connect: [
    ...each(
      'url',
      WRONG_TYPES.filter(([l]) => l !== 'undefined'),
      (u) => pkg.connect(u as Any),
    ),
    ...each(
      'url',
      [
        ['empty', ''],
        ['blank', '   '],
        ['unknown scheme', 'mysql://localhost/db'],
        ['javascript:', 'javascript://alert(1)'],
        ['postgres without host', 'postgres://'],
        ['10 MB', `postgres://${TEN_MB}`],
        ['NUL', 'postgres://127.0.0.1/te\u0000st'],
        ['closed port', 'postgres://postgres@127.0.0.1:1/test'],
      ],
      (u) => pkg.connect(u as string, { connectionTimeoutMillis: 2000 }),
    ),
    ...each('options', NOT_AN_OBJECT, (o) => pkg.connect('memory://', o as Any)),
    ...each(
      'options.poolSize',
      [
        ['0', 0],
        ['NaN', Number.NaN],
        ['"10"', '10'],
        ['1e9', 1e9],
      ],
      (v) => pkg.connect('memory://', { poolSize: v as Any }),
    ),
    ...each(
      'options.connectionTimeoutMillis',
      [
        ['-1', -1],
        ['Infinity', Number.POSITIVE_INFINITY],
      ],
      (v) => pkg.connect('memory://', { connectionTimeoutMillis: v as Any }),
    ),
    ...each(
      'options.applicationName',
      [
        ['number', 5],
        ['10 MB', TEN_MB],
      ],
      (v) => pkg.connect('memory://', { applicationName: v as Any }),
    ),
  ],
  redactUrl: [
    ...each('url', WRONG_TYPES, (u) => pkg.redactUrl(u as Any)),
    // Text that is not a URL is returned with any password-looking part redacted (documented: never throws for strings).
    { name: 'not a URL', call: () => pkg.redactUrl('not a url'), expect: (v) => expect(v).toBe('not a url') },
    {
      name: '10 MB',
      call: () => pkg.redactUrl(TEN_MB),
      expect: (v) => expect((v as string).length).toBe(TEN_MB.length),
    },
  ],
  migrate: [
    ...dbCases((d) => pkg.migrate(d as Any)),
    ...each('options', NOT_AN_OBJECT, (o) => pkg.migrate(db(), o as Any)),
    ...each(
      'options.migrationsFolder',
      [
        ['number', 5],
        ['empty', ''],
        ['missing folder', '/nonexistent/kcs-migrations'],
        ['NUL', 'a\u0000b'],
      ],
      (v) => pkg.migrate(db(), { migrationsFolder: v as Any }),
    ),
    ...each(
      'options.migrationsSchema',
      [
        ['number', 5],
        ['empty', ''],
        ['NUL', 'a\u0000b'],
      ],
      (v) => pkg.migrate(db(), { migrationsSchema: v as Any }),
    ),
    ...each(
      'options.migrationsTable',
      [
        ['object', {}],
        ['10 MB', TEN_MB],
      ],
      (v) => pkg.migrate(db(), { migrationsTable: v as Any }),
    ),
  ],
  replaceSlice: [
    ...dbCases((d) => pkg.replaceSlice(d as Any, SLICE, [row()], META)),
    ...each('slice', BAD_SLICES, (s) => pkg.replaceSlice(db(), s as Any, [row()], META)),
    ...each('rows', BAD_ROWS, (r) => pkg.replaceSlice(db(), SLICE, r as Any, META)),
    ...each('fetchMeta', BAD_META, (m) => pkg.replaceSlice(db(), SLICE, [row()], m as Any)),
    ...each('options', NOT_AN_OBJECT, (o) => pkg.replaceSlice(db(), SLICE, [row()], META, o as Any)),
    ...each(
      'options.batchSize',
      [
        ['0', 0],
        ['NaN', Number.NaN],
        ['-1', -1],
        ['1.5', 1.5],
        ['1e12', 1e12],
        ['"10"', '10'],
      ],
      (v) => pkg.replaceSlice(db(), SLICE, [row()], META, { batchSize: v as Any }),
    ),
    {
      // The seeded US slice holds 10-digit codes starting 10: 4-digit codes under the prefix 10 would count twice.
      name: 'slice: another level of detail over mirrored rows (US, --hs 10)',
      call: () => pkg.replaceSlice(db(), { ...SLICE, hs: '10' }, [row({ hsCode: '1000' })], META),
      expect: 'error',
    },
    {
      name: 'slice: every country at 6 digits over the mirrored US rows',
      call: () =>
        pkg.replaceSlice(
          db(),
          { hs: '1000', from: '2025-06', to: '2025-06' },
          [row({ period: '2025-06', hsCode: '100000' })],
          META,
        ),
      expect: 'error',
    },
    {
      name: 'rows: an async source that fails halfway',
      call: () =>
        pkg.replaceSlice(
          db(),
          SLICE,
          (async function* () {
            yield row()
            throw new Error('socket hang up')
          })(),
          META,
        ),
      expect: 'error',
    },
  ],
  recordSliceFailure: [
    ...dbCases((d) => pkg.recordSliceFailure(d as Any, SLICE, { error: 'x', attempts: 1, durationMs: 1 })),
    ...each('slice', BAD_SLICES, (s) =>
      pkg.recordSliceFailure(db(), s as Any, { error: 'x', attempts: 1, durationMs: 1 }),
    ),
    ...each('failure', [...NOT_AN_OBJECT, ['undefined', undefined]], (f) =>
      pkg.recordSliceFailure(db(), SLICE, f as Any),
    ),
    ...each(
      'failure.failedAt',
      [
        ['invalid Date', new Date(Number.NaN)],
        ['string', '2025-01-01'],
        ['number', 0],
      ],
      (v) =>
        pkg.recordSliceFailure(db(), SLICE, { error: 'x', attempts: 1, durationMs: 1, failedAt: v as Any }),
    ),
    ...each(
      'failure.redact',
      [
        ['string', 'key'],
        ['number', 5],
      ],
      (v) =>
        pkg.recordSliceFailure(db(), SLICE, { error: 'x', attempts: 1, durationMs: 1, redact: v as Any }),
    ),
  ],
  redactSecrets: [
    ...each('text', WRONG_TYPES, (t) => pkg.redactSecrets(t as Any, ['k'])),
    ...each('secrets', [...NOT_AN_OBJECT, ['undefined', undefined], ['object', {}]], (s) =>
      pkg.redactSecrets('text', s as Any),
    ),
    // Non-string or empty entries are skipped by design.
    {
      name: 'secrets: odd entries skipped',
      call: () => pkg.redactSecrets('a k b', [5 as Any, '', null as Any, 'k']),
      expect: (v) => expect(v).toBe('a *** b'),
    },
    {
      name: '10 MB text',
      call: () => pkg.redactSecrets(`${TEN_MB}key`, ['key']),
      expect: (v) => expect((v as string).endsWith('***')).toBe(true),
    },
  ],
  normalizeSlice: each('slice', BAD_SLICES, (s) => pkg.normalizeSlice(s as Any)),
  sliceCodeLength: each('slice', BAD_SLICES, (s) => pkg.sliceCodeLength(s as Any)),
  slicesOverlap: [
    ...each('a', BAD_SLICES, (s) => pkg.slicesOverlap(s as Any, SLICE)),
    ...each('b', BAD_SLICES, (s) => pkg.slicesOverlap(SLICE, s as Any)),
  ],
  sliceKey: [
    ...each('slice', [...NOT_AN_OBJECT, ['undefined', undefined]], (s) => pkg.sliceKey(s as Any)),
    ...each(
      'slice.from',
      BAD_MONTHS.filter(([l]) => l !== 'undefined' && l !== 'null'),
      (v) => pkg.sliceKey({ country: 'US', hs: null, from: v as Any, to: '2025-01' }),
    ),
    ...each('slice.country', BAD_COUNTRIES, (v) =>
      pkg.sliceKey({ country: v as Any, hs: null, from: '2025-01', to: '2025-01' }),
    ),
    ...each('slice.hs', BAD_PREFIXES, (v) =>
      pkg.sliceKey({ country: 'US', hs: v as Any, from: '2025-01', to: '2025-01' }),
    ),
  ],
  monthlySeries: [
    ...dbCases((d) => pkg.monthlySeries(d as Any, WINDOW)),
    ...queryCases((q) => pkg.monthlySeries(db(), q as Any), { country: true, hs: true }),
  ],
  topPartners: [
    ...dbCases((d) => pkg.topPartners(d as Any, { ...WINDOW, limit: 5 })),
    ...queryCases((q) => pkg.topPartners(db(), q as Any), { hs: true, limit: true }),
  ],
  topItems: [
    ...dbCases((d) => pkg.topItems(d as Any, { ...WINDOW, limit: 5 })),
    ...queryCases((q) => pkg.topItems(db(), q as Any), { country: true, limit: true }),
    ...each(
      'hsLength',
      [
        ['0', 0],
        ['11', 11],
        ['NaN', Number.NaN],
        ['"10"', '10'],
      ],
      (v) => pkg.topItems(db(), { ...WINDOW, limit: 5, hsLength: v as Any }),
    ),
    ...each(
      'hsDigits',
      [
        ['3', 3],
        ['6', 6],
        ['"2"', '2'],
        ['NaN', Number.NaN],
        ['null', null],
      ],
      (v) => pkg.topItems(db(), { ...WINDOW, limit: 5, hsDigits: v as Any }),
    ),
    {
      name: 'hsDigits with hsLength',
      call: () => pkg.topItems(db(), { ...WINDOW, limit: 5, hsDigits: 2, hsLength: 4 }),
      expect: 'error',
    },
  ],
  copyTradeRowsText: [
    ...dbCases((d) => drain(pkg.copyTradeRowsText(d as Any, WINDOW))),
    ...selectionCases((q) => drain(pkg.copyTradeRowsText(db(), q as Any))),
    ...each('options', NOT_AN_OBJECT, (o) => drain(pkg.copyTradeRowsText(db(), WINDOW, o as Any))),
    ...each(
      'options.measures',
      [...WRONG_TYPES.slice(1), ['"json"', 'json'], ['"toString"', 'toString']],
      (v) => drain(pkg.copyTradeRowsText(db(), WINDOW, { measures: v as Any })),
    ),
    ...each(
      'options.itemNameFor',
      [
        ['string', 'x'],
        ['number', 1],
        ['object', {}],
      ],
      (v) => drain(pkg.copyTradeRowsText(db(), WINDOW, { itemNameFor: v as Any })),
    ),
    { name: 'a PGlite database', call: () => drain(pkg.copyTradeRowsText(db(), WINDOW)), expect: 'error' },
  ],
  canCopyTradeRows: [
    ...NOT_A_DB.map(
      ([name, d]): Case => ({
        name: `db: ${name}`,
        call: () => pkg.canCopyTradeRows(d as Any),
        expect: (v) => expect(v).toBe(false),
      }),
    ),
    {
      name: 'a PGlite database',
      call: () => pkg.canCopyTradeRows(db()),
      expect: (v) => expect(v).toBe(false),
    },
  ],
  countTradeRows: [
    ...dbCases((d) => pkg.countTradeRows(d as Any, WINDOW)),
    ...selectionCases((q) => pkg.countTradeRows(db(), q as Any)),
  ],
  mirroredWindow: [
    ...dbCases((d) => pkg.mirroredWindow(d as Any)),
    ...each('query', NOT_AN_OBJECT, (q) => pkg.mirroredWindow(db(), q as Any)),
    ...each('countries', BAD_COUNTRY_LISTS, (v) => pkg.mirroredWindow(db(), { countries: v as Any })),
  ],
  iterateTradeRowPages: [
    ...dbCases((d) => drain(pkg.iterateTradeRowPages(d as Any, WINDOW))),
    ...selectionCases((q) => drain(pkg.iterateTradeRowPages(db(), q as Any))),
    ...each('options', NOT_AN_OBJECT, (o) => drain(pkg.iterateTradeRowPages(db(), WINDOW, o as Any))),
    ...each(
      'options.pageSize',
      [
        ['0', 0],
        ['NaN', Number.NaN],
        ['-5', -5],
        ['1e12', 1e12],
        ['"100"', '100'],
      ],
      (v) => drain(pkg.iterateTradeRowPages(db(), WINDOW, { pageSize: v as Any })),
    ),
  ],
  iterateTradeAggregates: [
    ...dbCases((d) => drain(pkg.iterateTradeAggregates(d as Any, { ...WINDOW, level: 4 }))),
    ...selectionCases((q) =>
      drain(pkg.iterateTradeAggregates(db(), (q && typeof q === 'object' ? { level: 4, ...q } : q) as Any)),
    ),
    ...each('level', [...WRONG_TYPES, ['3', 3], ['"4"', '4'], ['12', 12]], (v) =>
      drain(pkg.iterateTradeAggregates(db(), { ...WINDOW, level: v as Any })),
    ),
    {
      name: 'level shorter than the prefix',
      call: () => drain(pkg.iterateTradeAggregates(db(), { ...WINDOW, hsPrefix: '8542', level: 2 })),
      expect: 'error',
    },
  ],
  coverage: dbCases((d) => pkg.coverage(d as Any)),
  periodRange: dbCases((d) => pkg.periodRange(d as Any)),
  rebuildRollup: dbCases((d) => pkg.rebuildRollup(d as Any)),
  refreshRollup: [
    ...each(
      'tx',
      NOT_A_DB.filter(([l]) => l !== 'an object with execute only'),
      (t) => pkg.refreshRollup(t as Any, { ...SLICE, key: 'US:2025-01..2025-12', hs: null }),
    ),
    ...each('slice', BAD_SLICES, (v) => db().transaction((tx) => pkg.refreshRollup(tx, v as Any))),
  ],
  mirroredCountries: dbCases((d) => pkg.mirroredCountries(d as Any)),
  revisions: [
    ...dbCases((d) => pkg.revisions(d as Any, { since: new Date(0) })),
    ...each('query', [...NOT_AN_OBJECT, ['undefined', undefined]], (q) => pkg.revisions(db(), q as Any)),
    ...each(
      'since',
      [...WRONG_TYPES, ['invalid Date', new Date(Number.NaN)], ['ISO string', '2025-01-01T00:00:00Z']],
      (v) => pkg.revisions(db(), { since: v as Any }),
    ),
    ...each(
      'until',
      [
        ['invalid Date', new Date(Number.NaN)],
        ['number', 0],
      ],
      (v) => pkg.revisions(db(), { since: new Date(0), until: v as Any }),
    ),
    ...each('country', BAD_COUNTRIES, (v) => pkg.revisions(db(), { since: new Date(0), country: v as Any })),
    ...each(
      'afterId',
      [
        ['-1', -1],
        ['1.5', 1.5],
        ['NaN', Number.NaN],
        ['2^60', 2 ** 60],
        ['"5"', '5'],
      ],
      (v) => pkg.revisions(db(), { since: new Date(0), afterId: v as Any }),
    ),
    ...each(
      'order',
      [
        ['unknown', 'newest'],
        ['upper case', 'DESC'],
        ['injection', 'desc; drop table trade_rows'],
        ['number', 1],
      ],
      (v) => pkg.revisions(db(), { since: new Date(0), order: v as Any }),
    ),
    ...BAD_LIMITS.filter((v) => v !== null).map(
      (v): Case => ({
        name: `limit ${String(v)}`,
        call: () => pkg.revisions(db(), { since: new Date(0), limit: v as Any }),
        expect: 'error',
      }),
    ),
  ],
  ledger: [
    ...dbCases((d) => pkg.ledger(d as Any)),
    ...each('filter', NOT_AN_OBJECT, (f) => pkg.ledger(db(), f as Any)),
    ...each('country', BAD_COUNTRIES, (v) => pkg.ledger(db(), { country: v as Any })),
    ...each('hs', BAD_PREFIXES, (v) => pkg.ledger(db(), { hs: v as Any })),
    ...each(
      'from',
      BAD_MONTHS.filter(([l]) => l !== 'undefined'),
      (v) => pkg.ledger(db(), { from: v as Any }),
    ),
    ...each(
      'to',
      BAD_MONTHS.filter(([l]) => l !== 'undefined'),
      (v) => pkg.ledger(db(), { to: v as Any }),
    ),
    ...each(
      'status',
      [
        ['unknown', 'pending'],
        ['number', 1],
        ['injection', "ok' or '1'='1"],
        ['null', null],
      ],
      (v) => pkg.ledger(db(), { status: v as Any }),
    ),
    ...each(
      'sliceKey',
      [
        ['number', 5],
        ['object', {}],
        ['10 MB', TEN_MB],
        ['symbol', Symbol('k')],
      ],
      (v) => pkg.ledger(db(), { sliceKey: v as Any }),
    ),
    // A well-typed slice key that matches nothing is "not found": [].
    {
      name: 'sliceKey: injection-looking, not found',
      call: () => pkg.ledger(db(), { sliceKey: "US:2025-01..2025-12' or '1'='1" }),
      expect: (v) => expect(v).toEqual([]),
    },
  ],
  iterateTradeRows: [
    ...dbCases((d) => drain(pkg.iterateTradeRows(d as Any, WINDOW))),
    ...queryCases((q) => drain(pkg.iterateTradeRows(db(), q as Any)), { country: true, hs: true }),
    ...each('options', NOT_AN_OBJECT, (o) => drain(pkg.iterateTradeRows(db(), WINDOW, o as Any))),
    ...each(
      'options.pageSize',
      [
        ['0', 0],
        ['NaN', Number.NaN],
        ['-5', -5],
        ['0.5', 0.5],
        ['1e12', 1e12],
        ['"100"', '100'],
      ],
      (v) => drain(pkg.iterateTradeRows(db(), WINDOW, { pageSize: v as Any })),
    ),
  ],
  tradeRows: [
    ...dbCases((d) => pkg.tradeRows(d as Any, WINDOW)),
    ...queryCases((q) => pkg.tradeRows(db(), q as Any), { country: true, hs: true }),
    ...each(
      'options.pageSize',
      [
        ['0', 0],
        ['NaN', Number.NaN],
      ],
      (v) => pkg.tradeRows(db(), WINDOW, { pageSize: v as Any }),
    ),
  ],
}

/*
 * Error classes are built by the package, not fed user input, so they do not validate: constructing
 * one never fails for missing or oversized arguments, and the result is a KcsDbError with a string
 * message and hint that `JSON.stringify` handles.
 */
const ERROR_CLASSES: Record<string, (a: unknown[]) => KcsDbError> = {
  KcsDbError: (a) => new pkg.KcsDbError(a[0] as Any, a[1] as Any),
  InvalidArgumentError: (a) => new pkg.InvalidArgumentError(a[0] as Any, a[1] as Any),
  InvalidDatabaseUrlError: (a) => new pkg.InvalidDatabaseUrlError(a[0] as Any, a[1] as Any),
  DatabaseConnectionError: (a) => new pkg.DatabaseConnectionError(a[0] as Any, a[1] as Any, a[2]),
  DatabaseLockedError: (a) => new pkg.DatabaseLockedError(a[0] as Any, a[1] as Any, a[2] as Any),
  MigrationError: (a) => new pkg.MigrationError(a[0] as Any, a[1]),
  InvalidSliceError: (a) => new pkg.InvalidSliceError(a[0] as Any),
  InvalidQueryError: (a) => new pkg.InvalidQueryError(a[0] as Any),
  RowValidationError: (a) => new pkg.RowValidationError(a[0] as Any, a[1] as Any, a[2] as Any, a[3]),
  DuplicateRowError: (a) => new pkg.DuplicateRowError(a[0] as Any, a[1] as Any),
  RowSourceError: (a) => new pkg.RowSourceError(a[0] as Any, a[1]),
  ReplaceSliceError: (a) => new pkg.ReplaceSliceError(a[0] as Any, a[1]),
  UnsafeIntegerError: (a) => new pkg.UnsafeIntegerError(a[0] as Any, a[1] as Any),
  MixedGranularityError: (a) =>
    new pkg.MixedGranularityError(a[0] as Any, a[1] as Any, a[2] as Any, a[3] as Any),
  RowCountMismatchError: (a) => new pkg.RowCountMismatchError(a[0] as Any, a[1] as Any, a[2] as Any),
}
// The sibling datasets' functions, and the `dataset` options of the detail's, in their own module.
for (const [name, cases] of Object.entries(
  totalsBadInputCases({
    db,
    each,
    dbCases,
    NOT_AN_OBJECT,
    WRONG_TYPES,
    BAD_MONTHS,
    BAD_COUNTRY_LISTS,
    INJECTION,
    TEN_MB,
  }),
)) {
  TABLE[name] = [...(TABLE[name] ?? []), ...cases]
}

for (const [name, make] of Object.entries(ERROR_CLASSES)) {
  TABLE[name] = [
    ['no arguments', []],
    ['10 MB strings', [TEN_MB, TEN_MB, TEN_MB, TEN_MB]],
    ['numbers', [Number.NaN, 1, 2, 3]],
  ].map(
    ([label, args]): Case => ({
      name: label as string,
      call: () => make(args as unknown[]),
      expect: (e) => {
        expect(e).toBeInstanceOf(KcsDbError)
        expect(typeof (e as KcsDbError).message).toBe('string')
        expect(typeof (e as KcsDbError).hint).toBe('string')
        expect(() => JSON.stringify(e)).not.toThrow()
      },
    }),
  )
}

const CONSTANTS = new Set([
  'DEFAULT_DATABASE_URL',
  'PGLITE_LOCK_FILE',
  'migrationsFolder',
  'schema',
  'ROLLUP_DIGITS',
])
/** Functions that write: the database is compared before and after each of their cases. Readers are compared once, at the end. */
const WRITERS = new Set([
  'replaceSlice',
  'recordSliceFailure',
  'migrate',
  'connect',
  'replaceCountryTotals',
  'replaceNationalTotals',
])

function checkTyped(error: unknown): void {
  if (!(error instanceof KcsDbError)) {
    throw new Error(
      `expected a KcsDbError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    )
  }
  expect(error.hint.length, `no hint on: ${error.message}`).toBeGreaterThan(0)
  expect(error.message).toContain(error.hint)
  expect(error.message.length, 'an oversized input became an oversized message').toBeLessThan(5000)
  expect(error.message).not.toMatch(/Cannot read propert|is not a function|is not iterable|Cannot convert/)
}

describe('every runtime export of @kcs-trade/db has bad-input cases; nothing is written', () => {
  beforeAll(async () => {
    // Something to protect: two slices, a re-fetch with a change (a revision) and a failure.
    await pkg.replaceSlice(db(), SLICE, rows('US', 30), META)
    await pkg.replaceSlice(db(), { country: 'CN', from: '2025-01', to: '2025-12' }, rows('CN', 12), META)
    const changed = rows('US', 30)
    changed[0] = {
      ...changed[0]!,
      exportUsd: changed[0]!.exportUsd + 1,
      balanceUsd: changed[0]!.balanceUsd + 1,
    }
    await pkg.replaceSlice(db(), SLICE, changed, META)
    await pkg.recordSliceFailure(
      db(),
      { country: 'JP', from: '2025-01', to: '2025-12' },
      { error: 'boom', attempts: 1, durationMs: 5 },
    )
    // The sibling datasets: country and national totals, each re-fetched with a change.
    await pkg.replaceCountryTotals(db(), WINDOW, countryRows(['US', 'CN']), TOTALS_META)
    await pkg.replaceCountryTotals(db(), WINDOW, countryRows(['US', 'CN'], 12, 2025, 1), TOTALS_META)
    await pkg.replaceNationalTotals(db(), WINDOW, nationalRows(), TOTALS_META)
    await pkg.replaceNationalTotals(db(), WINDOW, nationalRows(2025, 1), TOTALS_META)
  }, 60_000)

  it('the table covers each exported function and class, and every export is classified', () => {
    const missing: string[] = []
    for (const [name, value] of Object.entries(pkg)) {
      if (typeof value === 'function') {
        if (!(TABLE[name]?.length ?? 0)) missing.push(name)
      } else if (!CONSTANTS.has(name))
        missing.push(`${name} (a non-function export: add it to CONSTANTS or give it cases)`)
    }
    expect(missing).toEqual([])
  })

  it('the seeded database has rows, revisions and ledger entries to protect', async () => {
    const sums = await tableChecksums(db())
    expect(sums.find((t) => t.table === 'public.trade_rows')?.rows).toBe(42)
    expect(sums.find((t) => t.table === 'public.revisions')?.rows).toBeGreaterThan(0)
    expect(sums.find((t) => t.table === 'public.sync_ledger')?.rows).toBe(5)
    expect(sums.find((t) => t.table === 'public.country_totals')?.rows).toBe(24)
    expect(sums.find((t) => t.table === 'public.national_totals')?.rows).toBe(12)
  })

  let initial: Awaited<ReturnType<typeof tableChecksums>> = []
  it('takes the checksums of the seeded database', async () => {
    initial = await tableChecksums(db())
  })

  for (const [fn, list] of Object.entries(TABLE)) {
    describe(fn, () => {
      it.each(list.map((c) => [c.name, c] as const))('%s', { timeout: 30_000 }, async (_name, c) => {
        const before = WRITERS.has(fn) ? await tableChecksums(db()) : null
        let value: unknown
        let error: unknown
        let threw = false
        try {
          value = await c.call()
        } catch (e) {
          threw = true
          error = e
        }
        if (typeof c.expect === 'function') {
          if (threw) throw error
          c.expect(value)
        } else {
          if (!threw) throw new Error(`expected a KcsDbError, got ${String(value)}`)
          checkTyped(error)
        }
        if (before) expect(await tableChecksums(db()), 'the database changed').toEqual(before)
      })
    })
  }

  it('no case of any function changed the database', async () => {
    expect(initial.length).toBeGreaterThan(0)
    expect(await tableChecksums(db())).toEqual(initial)
  })

  it('the tables are intact at the end', async () => {
    const tables = await db().execute(sql`select to_regclass('public.trade_rows') as t`)
    expect((tables as { rows: Array<{ t: string | null }> }).rows[0]?.t).toBe('trade_rows')
  })
})
