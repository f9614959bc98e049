// Dashboard page-data bench: builds a mirror of the calibrated emulator's whole history in PostgreSQL
// (every KCS code × 2012-01..2026-07, ≈ 21.5 M rows as the emulator serves them; the real schema from
// migrate(), bulk-loaded in batches, the monthly rollup rebuilt), serves it with the real dashboard
// server on 127.0.0.1, and times every page-data endpoint over HTTP (p50/p95 of repeated calls).
// Baseline in the same run: a plain `select count(*) from trade_rows`; for contrast, the same
// whole-market aggregates read from trade_rows (what the endpoints did before the rollup).
//
//   pnpm --filter @kcs-trade/worker bench:dashboard                 # build (or reuse) kcs_bench_dashboard, measure
//   pnpm --filter @kcs-trade/worker bench:dashboard -- --rebuild    # drop and build the mirror again
//   BENCH_FROM=2024-01 … --rebuild                                  # a shorter history (default 2012-01)
//   … -- --synthetic --rebuild                                      # the old uniform generate_series mirror (BENCH_ROWS)
//   … -- --json                                                     # figures as JSON on stdout
import { Writable } from 'node:stream'
import { connect, type KcsDatabase, migrate, rebuildRollup } from '@kcs-trade/db'
import { createEmulator } from '@kcs-trade/emulator'
import { countries } from '@kcs-trade/reference'
import type { Queue } from 'bullmq'
import { loadConfig } from '../src/config/env.js'
import { createLogger } from '../src/config/logger.js'
import { createDashboardServer } from '../src/serve/server.js'
import { createPrometheusRegistry, RedisMetrics } from '../src/sync/metrics.js'
import { createQueue } from '../src/sync/queue.js'
import { createRedis } from '../src/sync/runtime.js'
import {
  available,
  dropPrefix,
  REDIS_URL,
  TEST_DATABASE_URL,
  uniquePrefix,
} from '../src/test-utils/services.js'

const args = process.argv.slice(2)
const rebuild = args.includes('--rebuild')
const synthetic = args.includes('--synthetic')
const HISTORY_FROM = process.env.BENCH_FROM ?? '2012-01'
const HISTORY_TO = process.env.BENCH_TO ?? '2026-07'
const asJson = args.includes('--json')
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const TARGET_ROWS = Number(process.env.BENCH_ROWS ?? 22_000_000)
const COUNTRIES = 100
const MONTHS = 36 // 2023-01 … 2025-12
const CODES = Math.ceil(TARGET_ROWS / (COUNTRIES * MONTHS))
const DB_NAME = process.env.BENCH_DB_NAME ?? 'kcs_bench_dashboard'

const err = (s: string) => process.stderr.write(`${s}\n`)
if (!available.redis || !available.postgres) {
  err('bench:dashboard needs Redis and PostgreSQL (REDIS_URL, TEST_DATABASE_URL)')
  process.exit(1)
}

type Client = { query(q: string, p?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> }
const q = (db: KcsDatabase) => db.$client as unknown as Client

const admin = await connect(TEST_DATABASE_URL, { poolSize: 1 })
const exists =
  (await q(admin).query('select 1 from pg_database where datname = $1', [DB_NAME])).rows.length > 0
if (exists && rebuild) await q(admin).query(`drop database ${DB_NAME} with (force)`)
if (!exists || rebuild) await q(admin).query(`create database ${DB_NAME}`)
await admin.close()
const url = new URL(TEST_DATABASE_URL)
url.pathname = `/${DB_NAME}`
const db = await connect(url.toString(), { poolSize: 4 })
await migrate(db)

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  const r = await fn()
  err(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return r
}

/** Bulk loads go in without the primary key and indexes; they come back with the migration's names. */
async function dropIndexes(): Promise<void> {
  await q(db).query('alter table trade_rows drop constraint trade_rows_pkey')
  await q(db).query('drop index trade_rows_hs_period_idx')
  await q(db).query('drop index trade_rows_period_idx')
}

async function recreateIndexes(): Promise<void> {
  await timed('primary key', () =>
    q(db).query(
      'alter table trade_rows add constraint trade_rows_pkey primary key (country_code, period, hs_code)',
    ),
  )
  await timed('trade_rows_hs_period_idx', () =>
    q(db).query('create index trade_rows_hs_period_idx on trade_rows using btree (hs_code, period)'),
  )
  await timed('trade_rows_period_idx', () =>
    q(db).query('create index trade_rows_period_idx on trade_rows using btree (period)'),
  )
}

/** Loads the calibrated emulator's history, country-year by country-year, in batches of 20,000 rows. */
async function loadEmulatorHistory(): Promise<void> {
  const emu = await createEmulator({ port: 0, seed: 1, keys: ['bench'], today: '2026-08-26' })
  try {
    const [fy, fm] = HISTORY_FROM.split('-').map(Number) as [number, number]
    const [ty, tm] = HISTORY_TO.split('-').map(Number) as [number, number]
    err(
      `building the mirror of the emulator's history ${HISTORY_FROM}..${HISTORY_TO} (all KCS codes) in ${DB_NAME}`,
    )
    await dropIndexes()
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], []]
    const flush = async () => {
      if (cols[0]!.length === 0) return
      await q(db).query(
        `insert into trade_rows (period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd, fetched_at)
         select *, now() - interval '1 hour' from unnest($1::date[], $2::varchar[], $3::varchar[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::int8[])`,
        cols,
      )
      for (const c of cols) c.length = 0
    }
    const codes = emu.truth.countries().map((c) => c.code)
    const ledger: Array<[string, number, number]> = []
    const t0 = performance.now()
    let total = 0
    for (let year = fy; year <= ty; year++) {
      const from = `${year}-${String(year === fy ? fm : 1).padStart(2, '0')}`
      const to = `${year}-${String(year === ty ? tm : 12).padStart(2, '0')}`
      for (const code of codes) {
        const rows = emu.truth.rows({ country: code, from, to })
        ledger.push([code, year, rows.length])
        for (const r of rows) {
          cols[0]!.push(`${r.period}-01`)
          cols[1]!.push(r.countryCode)
          cols[2]!.push(r.hsCode)
          cols[3]!.push(r.countryName)
          cols[4]!.push(r.itemName)
          cols[5]!.push(r.exportKg)
          cols[6]!.push(r.exportUsd)
          cols[7]!.push(r.importKg)
          cols[8]!.push(r.importUsd)
          cols[9]!.push(r.balanceUsd)
          if (cols[0]!.length >= 20_000) await flush()
        }
        total += rows.length
      }
      await flush()
      err(
        `  ${year}: ${total.toLocaleString('en-US')} rows so far, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      )
    }
    await recreateIndexes()
    // The ledger (coverage grid): one slice per country and year as synced; three failed.
    await q(db).query(
      `insert into sync_ledger (slice_key, country_code, period_from, period_to, status, row_count, attempts, duration_ms,
         fetched_at, first_fetched_at, failed_at, last_error, error_code, updated_at)
       select c || ':' || y || '-01..' || y || '-12', c, make_date(y, 1, 1), make_date(y, 12, 1),
         case when y = 2025 and c in ('AD', 'AE', 'AF') then 'failed' else 'ok' end, n, 1, 1000,
         now() - interval '1 hour', now() - interval '1 hour',
         case when y = 2025 and c in ('AD', 'AE', 'AF') then now() end,
         case when y = 2025 and c in ('AD', 'AE', 'AF') then 'synthetic failure' end, null, now()
       from unnest($1::text[], $2::int[], $3::int[]) as l(c, y, n)`,
      [ledger.map((l) => l[0]), ledger.map((l) => l[1]), ledger.map((l) => l[2])],
    )
    // 20,000 revisions (the freshness job's findings) on US lines.
    const usCodes = (
      await q(db).query(
        "select hs_code from trade_rows where country_code = 'US' and period = '2025-01-01' limit 5000",
      )
    ).rows.map((r) => String(r.hs_code))
    await q(db).query(
      `insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
       select 'changed', date '2025-01-01' + make_interval(months => i % 12), 'US', ($1::text[])[1 + i % cardinality($1::text[])],
         jsonb_build_object('countryName', '미국', 'itemName', 'y', 'exportKg', 1, 'exportUsd', i, 'importKg', 1, 'importUsd', 1, 'balanceUsd', i - 1),
         jsonb_build_object('countryName', '미국', 'itemName', 'y', 'exportKg', 1, 'exportUsd', i + 5, 'importKg', 1, 'importUsd', 1, 'balanceUsd', i + 4),
         now() - make_interval(mins => i), 'bench'
       from generate_series(1, 20000) i`,
      [usCodes],
    )
    await timed('rebuildRollup', () => rebuildRollup(db))
    await timed('analyze', () => q(db).query('analyze'))
  } finally {
    await emu.close()
  }
}

const count = Number((await q(db).query('select count(*)::int8 as n from trade_rows')).rows[0]?.n ?? 0)
if (count === 0 && !synthetic) await timed('load', loadEmulatorHistory)
else if (count === 0) {
  err(
    `building a synthetic mirror: ${COUNTRIES} countries × ${MONTHS} months × ${CODES} codes ≈ ${(COUNTRIES * MONTHS * CODES).toLocaleString('en-US')} rows in ${DB_NAME}`,
  )
  const codes = countries
    .all()
    .filter((c) => c.kind === 'iso')
    .slice(0, COUNTRIES)
  // Bulk load without the indexes, then the same primary key and indexes as the migration creates.
  await dropIndexes()
  await q(db).query('create temp table bench_countries (code varchar(2), name text)')
  await q(db).query('insert into bench_countries select * from unnest($1::text[], $2::text[])', [
    codes.map((c) => c.code),
    codes.map((c) => c.kcsNameKo),
  ])
  let done = 0
  for (const c of codes) {
    // One statement per country keeps progress visible; 97 chapters × 13 headings (1,261, about HS 2022's 1,228), ~4.8 10-digit codes per heading.
    await q(db).query(
      `insert into trade_rows (period, country_code, hs_code, country_name, item_name, export_kg, export_usd, import_kg, import_usd, balance_usd, fetched_at)
       select p, $1, h, $2, '품목 ' || h, ekg, eusd, ikg, iusd, eusd - iusd, now() - interval '1 hour'
       from (
         select (date '2023-01-01' + make_interval(months => m))::date as p,
           lpad((i % 97 + 1)::text, 2, '0') || lpad((i / 97 % 13 + 1)::text, 2, '0') || lpad(i::text, 6, '0') as h,
           (random() * 1e6)::int8 as ekg, (random() * 1e8)::int8 as eusd,
           (random() * 1e6)::int8 as ikg, (random() * 1e8)::int8 as iusd
         from generate_series(0, ${MONTHS - 1}) m, generate_series(0, ${CODES - 1}) i
       ) g`,
      [c.code, c.kcsNameKo],
    )
    done++
    if (done % 10 === 0) err(`  rows: ${done}/${codes.length} countries`)
  }
  await recreateIndexes()
  // The ledger (coverage grid): one slice per country and year, a few failed.
  await q(db).query(`
    insert into sync_ledger (slice_key, country_code, period_from, period_to, status, row_count, attempts, duration_ms,
      fetched_at, first_fetched_at, failed_at, last_error, error_code, updated_at)
    select c.code || ':' || y || '-01..' || y || '-12', c.code, make_date(y, 1, 1), make_date(y, 12, 1),
      case when (c.code, y) in (select code, 2025 from bench_countries order by code limit 3) then 'failed' else 'ok' end,
      ${CODES * 12}, 1, 1000, now() - interval '1 hour', now() - interval '1 hour',
      case when (c.code, y) in (select code, 2025 from bench_countries order by code limit 3) then now() else null end,
      case when (c.code, y) in (select code, 2025 from bench_countries order by code limit 3) then 'synthetic failure' else null end,
      null, now()
    from bench_countries c, generate_series(2023, 2025) y`)
  // 20,000 revisions (the freshness job's findings).
  await q(db).query(`
    insert into revisions (kind, period, country_code, hs_code, before, after, at, slice_key)
    select 'changed', date '2025-01-01' + make_interval(months => i % 12), (select code from bench_countries order by code limit 1),
      lpad((i % 97 + 1)::text, 2, '0') || lpad((i / 97 % 13 + 1)::text, 2, '0') || lpad(i::text, 6, '0'),
      jsonb_build_object('countryName', 'x', 'itemName', 'y', 'exportKg', 1, 'exportUsd', i, 'importKg', 1, 'importUsd', 1, 'balanceUsd', i - 1),
      jsonb_build_object('countryName', 'x', 'itemName', 'y', 'exportKg', 1, 'exportUsd', i + 5, 'importKg', 1, 'importUsd', 1, 'balanceUsd', i + 4),
      now() - make_interval(mins => i), 'bench'
    from generate_series(1, 20000) i`)
  await timed('rebuildRollup', () => rebuildRollup(db))
  await timed('analyze', () => q(db).query('analyze'))
}
const rows = Number((await q(db).query('select count(*)::int8 as n from trade_rows')).rows[0]?.n ?? 0)
const groups = (
  await q(db).query('select digits, count(*)::int8 as n from trade_monthly group by 1 order by 1')
).rows
const size = (
  await q(db).query(
    `select pg_size_pretty(pg_total_relation_size('trade_rows')) as rows, pg_size_pretty(pg_total_relation_size('trade_monthly')) as rollup`,
  )
).rows[0]
err(
  `mirror: ${rows.toLocaleString('en-US')} trade rows (${size?.rows}), rollup ${groups.map((g) => `${g.digits}-digit ${Number(g.n).toLocaleString('en-US')}`).join(', ')} groups (${size?.rollup})`,
)

// The real server over this database.
const prefix = uniquePrefix('bench-dashboard')
const redis = createRedis(REDIS_URL)
const queue = createQueue(redis, prefix) as unknown as Queue
const cfg = loadConfig({ DATABASE_URL: url.toString(), REDIS_URL, KCS_QUEUE_PREFIX: prefix })
const log = createLogger({
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, cb) => cb() }),
})
const metrics = new RedisMetrics(redis, prefix)
const server = createDashboardServer({
  cfg,
  db,
  redis,
  queue,
  quota: undefined,
  metrics,
  registry: createPrometheusRegistry({ metrics, defaultMetrics: false }),
  token: undefined,
  log,
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
const address = server.address()
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
// The busiest partner of the mirror's newest year (CN on the calibrated history).
const country = synthetic
  ? (await q(db).query('select country_code as c from trade_rows order by country_code limit 1')).rows[0]?.c
  : 'CN'

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

async function measure(fn: () => Promise<unknown>, runs = RUNS): Promise<{ p50: number; p95: number }> {
  await fn()
  await fn() // warm-up
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p95: percentile(times, 95) }
}

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`)
  const body = await res.text()
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body}`)
  return body
}

const window = "period between '2025-01-01' and '2025-12-01'"
const results: Array<{ name: string; what: string; p50: number; p95: number }> = []
const record = async (name: string, what: string, fn: () => Promise<unknown>, runs?: number) => {
  const r = await measure(fn, runs)
  results.push({ name, what, ...r })
  err(`  ${name.padEnd(52)} p50 ${r.p50.toFixed(1).padStart(8)} ms  p95 ${r.p95.toFixed(1).padStart(8)} ms`)
}

err(`\nmeasuring (${RUNS} runs after 2 warm-ups each):`)
await record(
  'baseline: select count(*) from trade_rows',
  'full scan of the base table',
  () => q(db).query('select count(*) from trade_rows'),
  5,
)
const ledgerSlices = Number((await q(db).query('select count(*)::int as n from sync_ledger')).rows[0]?.n ?? 0)
const pages: Array<[string, string]> = [
  ['/api/coverage', `ledger aggregate (${ledgerSlices.toLocaleString('en-US')} slices)`],
  ['/api/quota', 'Redis: quota, 60 minute keys, queue counts'],
  ['/api/meta', 'two index probes + loose index scan of countries'],
  ['/api/search?q=beef', 'reference tables in memory'],
  ['/api/search?q=%EC%86%8C%EA%B3%A0%EA%B8%B0', '소고기'],
  ['/api/series?from=2025-01&to=2025-12', 'all countries, all HS: rollup digits=2'],
  [`/api/series?country=${country}&from=2025-01&to=2025-12`, 'one country: rollup PK range'],
  [
    '/api/series?hs=0201&from=2025-01&to=2025-12',
    'all countries, HS 0201: rollup (digits, hs_prefix, period)',
  ],
  [`/api/series?country=${country}&hs=020110&from=2025-01&to=2025-12`, '6-digit prefix: trade_rows PK range'],
  ['/api/top-partners?from=2025-01&to=2025-12&limit=10', 'whole market: rollup digits=2'],
  ['/api/top-partners?hs=0201&from=2025-01&to=2025-12&limit=10', 'HS 0201: rollup digits=4 index range'],
  [
    `/api/top-items?country=${country}&digits=4&from=2025-01&to=2025-12&limit=10`,
    'one country, headings: rollup PK range',
  ],
  ['/api/top-items?digits=2&from=2025-01&to=2025-12&limit=10', 'whole market, chapters: rollup digits=2'],
  [
    '/api/top-items?digits=4&from=2025-01&to=2025-12&limit=10',
    'whole market, headings: rollup digits=4 (scan)',
  ],
  ['/api/revisions?limit=50', 'latest 50: revisions PK backwards'],
  ['/api/series?from=2025-01&to=2025-12&format=csv', 'CSV of the first'],
]
for (const [path, what] of pages) await record(`GET ${path}`, what, () => get(path))
err('\nfor contrast, the same whole-market aggregates over trade_rows (no rollup):')
await record(
  'trade_rows: monthly series, all countries',
  'what /api/series did before',
  () =>
    q(db).query(
      `select period, sum(export_usd), sum(import_usd) from trade_rows where ${window} group by period`,
    ),
  3,
)
await record(
  'trade_rows: top partners, whole market',
  'what /api/top-partners did before',
  () =>
    q(db).query(
      `select country_code, sum(export_usd) + sum(import_usd) t from trade_rows where ${window} group by 1 order by t desc limit 10`,
    ),
  3,
)

const baseline = results[0]!.p50
if (asJson) process.stdout.write(`${JSON.stringify({ rows, runs: RUNS, results }, null, 2)}\n`)
else {
  console.log(`\n| request | served from | p50 ms | p95 ms | p50 / count(*) |`)
  console.log('| --- | --- | ---: | ---: | ---: |')
  for (const r of results)
    console.log(
      `| \`${r.name}\` | ${r.what} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${(r.p50 / baseline).toFixed(3)} |`,
    )
}
await new Promise<void>((resolve) => server.close(() => resolve()))
await queue.close()
redis.disconnect()
await dropPrefix(prefix)
await db.close()
