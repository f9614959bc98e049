import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { KcsDatabase } from '@kcs-trade/db'
import type { Queue } from 'bullmq'
import { parse, parseCountries, parseHsList, parseMonth, parsePositiveInt } from '../cli/args.js'
import { EXPORT_HELP } from '../cli/export-help.js'
import { VERIFY_HELP } from '../cli/verify-help.js'
import { type Clock, offsetFileClock, systemClock } from '../config/clock.js'
import {
  isLoopbackUrl,
  keyFingerprint,
  loadConfig,
  redactKey,
  requireServiceKey,
  type WorkerConfig,
} from '../config/env.js'
import { clip, printable, quoted, UsageError } from '../config/errors.js'
import { createLogger, type Logger } from '../config/logger.js'
import { graceSignal } from '../config/shutdown.js'
import { csvLine, displayWidth, formatNumber, lazyHeader, table } from '../export/format.js'
import { createProgress, formatSeconds } from '../export/progress.js'
import { isTotalsDataset, parseDataset, refuseItemtradeMirror } from '../sync/datasets.js'
import type { SyncSummary } from '../sync/inline.js'
import type { MemoryQuota, RedisQuota } from '../sync/limits.js'
import type { Plan } from '../sync/plan.js'
import type { EngineDeps } from '../sync/processor.js'
import { calendarYearWindows, describeSlice, monthIndex } from '../sync/slices.js'
import { explainUnreachable, trackConnections } from '../sync/unreachable.js'
import { checkSiblingFilters, fetchSibling } from './fetch-siblings.js'

// Heavy modules (reference tables, the emulator, the client, BullMQ, drivers) load only for the commands that use them,
// so that `--help`, bad input and light commands answer quickly.
const lazy = {
  client: () => import('@kcs-trade/client'),
  db: () => import('@kcs-trade/db'),
  emulator: () => import('@kcs-trade/emulator'),
  reference: () => import('@kcs-trade/reference'),
  engine: () => import('../sync/engine.js'),
  inline: () => import('../sync/inline.js'),
  limits: () => import('../sync/limits.js'),
  metrics: () => import('../sync/metrics.js'),
  queue: () => import('../sync/queue.js'),
  runtime: () => import('../sync/runtime.js'),
}

export interface CliContext {
  env: Record<string, string | undefined>
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WriteStream
  clock?: Clock
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  shutdown: AbortSignal
  /** Where log lines go (default stderr; JSON, or human on a TTY). */
  logDestination?: NodeJS.WritableStream
}

export const COMMANDS = [
  'demo',
  'fetch',
  'lookup',
  'emulator',
  'plan',
  'sync',
  'worker',
  'schedule',
  'status',
  'serve',
  'export',
  'verify',
] as const
export type CommandName = (typeof COMMANDS)[number]

export const HELP: Record<CommandName | 'main', string> = {
  main: `kcs-trade — mirror the Korea Customs Service trade statistics

Usage: kcs-trade <command> [options]      (kcs-trade <command> --help for details)

Commands:
  demo        run the emulator in-process and sync a small plan into PGlite (no key, no Redis)
  fetch       one query to stdout: --country US --hs 0202 --from 2025-01 --to 2025-12 [--format table|json|csv]
  lookup      look up an HS code or a country: lookup hs <code|text>, lookup country <code|name>
  emulator    run the offline API emulator
  plan        dry run of a backfill: slices, calls, quota-days, expected rows [--json]
  sync        enqueue a plan on Redis, or run it in this process with --inline
  worker      run BullMQ workers until stopped [--concurrency N]
  schedule    install or update the freshness scheduler (re-fetch the last 13 months daily)
  status      coverage, queue counts, quota used today, recent failures [--json]
  serve       ops HTTP endpoint: /healthz /readyz /metrics and a queue dashboard
  export      mirrored rows or HS-level sums to csv, parquet or json (JSON Lines), names joined
  verify      prove the mirror complete against KCS's published country and national totals [--fix]

Environment: KCS_SERVICE_KEY, KCS_BASE_URL, DATABASE_URL, REDIS_URL, KCS_DAILY_QUOTA,
KCS_RATE_PER_SECOND, LOG_LEVEL, KCS_QUEUE_PREFIX (see apps/worker/README.md)`,
  demo: `Usage: kcs-trade demo [--dir ./.kcs-trade/demo] [--country US,CN,...] [--from YYYY-MM --to YYYY-MM] [--json]

Starts the emulator in-process, syncs a small plan (default: US, CN, JP, VN, DE, AU over the last
quarter of the last complete year) into PGlite under --dir with the same engine as 'sync --inline',
and prints rows, calls, quota used, and the top partners and items.`,
  fetch: `Usage: kcs-trade fetch --country US [--hs 0202] --from 2025-01 --to 2025-12 [--format table|json|csv]
                       [--dataset nitemtrade|itemtrade|nationtrade|newtrade]

One query to stdout (needs KCS_SERVICE_KEY; KCS_BASE_URL for the emulator). A range longer than 12
months is split into calendar years. The default dataset, nitemtrade (품목별 국가별), needs --country,
--hs or both. itemtrade (품목별: items over every country) takes --hs; nationtrade (국가별: totals per
country, with declaration counts) takes --country or none for every country; newtrade (수출입총괄:
Korea's totals) takes neither. Each dataset needs its own approval of the key at data.go.kr.`,
  lookup: `Usage: kcs-trade lookup hs <code|text> [--limit 20] [--json]
       kcs-trade lookup country <code|name> [--json]`,
  emulator: `Usage: kcs-trade emulator [emulator options]   (kcs-trade emulator --help lists them)`,
  plan: `Usage: kcs-trade plan --country US,CN|all --from YYYY-MM --to YYYY-MM [--hs 85,0202] [--refresh] [--json]
                      [--dataset nitemtrade|nationtrade|newtrade]

Prints the slices (country × calendar year [× HS prefix]), calls, quota-days at KCS_DAILY_QUOTA and
expected rows. Slices the ledger in DATABASE_URL has as fetched OK are skipped unless --refresh.
--dataset nationtrade plans country totals (every country in one call a year unless --country),
newtrade the national totals (one call a year); each dataset has its own daily quota. itemtrade is
not mirrored: its rows are the detail summed over countries.`,
  sync: `Usage: kcs-trade sync --country US,CN|all --from YYYY-MM --to YYYY-MM [--hs ...] [--refresh]
                      [--dataset nitemtrade|nationtrade|newtrade]
                      [--inline | --allow-inline] [--concurrency N] [--json]

Without --inline: enqueues one job per slice on Redis (deterministic ids: enqueueing twice adds
nothing) for 'kcs-trade worker' processes. --inline runs the plan in this process (no Redis) with a
progress bar. --allow-inline enqueues when Redis is reachable and runs inline when it is not.
--dataset as for plan; a key refused for one dataset (403, code 30) fails only that dataset's slices.`,
  worker: `Usage: kcs-trade worker [--concurrency N]

Runs BullMQ workers on REDIS_URL until SIGTERM/SIGINT: then in-flight jobs may finish within
KCS_SHUTDOWN_TIMEOUT_MS (default 10 s); the rest are aborted and go back to the queue; exits 0.`,
  schedule: `Usage: kcs-trade schedule [--cron '0 0 6 * * *'] [--run-now] [--remove] [--json]

Installs or updates the freshness scheduler (cron in Korean time, default KCS_FRESHNESS_CRON):
re-fetches the last 13 months of every mirrored country; revisions are recorded by the db.`,
  status: `Usage: kcs-trade status [--json]

Coverage by country and year, queue counts, quota used today and when it resets, recent failures.`,
  export: EXPORT_HELP,
  verify: VERIFY_HELP,
  serve: `Usage: kcs-trade serve [--port 9464] [--host 127.0.0.1] [--token T] [--allow-public]

/healthz, /readyz (Redis and DB reachable), /metrics (Prometheus), /api/status, and the web
dashboard at / (coverage, quota and rate, trade charts, revisions; JSON and CSV under /api/).
Redis is optional: without it (e.g. DATABASE_URL=./.kcs-trade/demo after 'kcs-trade demo') serve
warns once and serves the mirror views; the queue, quota and rate views are empty.
Binds 127.0.0.1; a non-loopback --host is refused unless --allow-public is given.
With a token (--token or KCS_SERVE_TOKEN) everything but /healthz needs
"Authorization: Bearer <token>" or ?token=<token>; opening /?token=<token> in a browser once
sets an HttpOnly session cookie and drops the token from the address bar.`,
}

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`)
}

function json(ctx: CliContext, value: unknown): void {
  write(ctx.stdout, JSON.stringify(value, null, 2))
}

function config(ctx: CliContext): WorkerConfig {
  return loadConfig(ctx.env)
}

function logger(ctx: CliContext, cfg: WorkerConfig, quietDefault = false): Logger {
  const level = ctx.env.LOG_LEVEL ? cfg.logLevel : quietDefault ? 'warn' : cfg.logLevel
  return createLogger({
    level,
    serviceKey: cfg.serviceKey,
    ...(ctx.logDestination ? { destination: ctx.logDestination, pretty: false } : {}),
  })
}

/** A PGlite directory that does not exist yet is not created by read-only commands. */
export function databaseExists(url: string): boolean {
  if (/^postgres(ql)?:\/\//i.test(url) || /^memory:/i.test(url)) return true
  const path = url.startsWith('file://') ? new URL(url).pathname : resolve(url)
  return existsSync(path)
}

/* ---------------------------------------------------------------- plan / sync ------------------------------------------------------------- */

const PLAN_FLAGS = {
  dataset: { type: 'string' },
  country: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  hs: { type: 'string' },
  refresh: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

function planInput(
  command: string,
  values: { dataset?: string; country?: string; from?: string; to?: string; hs?: string; refresh?: boolean },
) {
  const dataset = parseDataset(values.dataset, command)
  if (dataset === 'itemtrade') refuseItemtradeMirror(command)
  const from = parseMonth(values.from, 'from', command)
  const to = parseMonth(values.to, 'to', command)
  if (monthIndex(to) < monthIndex(from)) {
    throw new UsageError(
      `${command}: --to ${to} is before --from ${from}`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  }
  return {
    // A totals dataset defaults to every country (nationtrade in one call a year; newtrade has none).
    countries:
      values.country === undefined && isTotalsDataset(dataset)
        ? ('all' as const)
        : parseCountries(values.country, command),
    from,
    to,
    hs: parseHsList(values.hs, command),
    refresh: values.refresh === true,
    ...(isTotalsDataset(dataset) ? { dataset } : {}),
  }
}

function printPlan(ctx: CliContext, plan: Plan, limit = 20): void {
  const rows = plan.slices
    .slice(0, limit)
    .map((s) => [
      s.country === '*' ? 'all' : s.country,
      `${s.from}..${s.to}`,
      s.hs ?? 'all',
      s.expectedRows,
      s.expectedFrom,
    ])
  if (plan.input.dataset) write(ctx.stdout, `dataset ${plan.input.dataset}`)
  write(ctx.stdout, table(['country', 'window', 'hs', 'expected rows', 'from'], rows))
  if (plan.slices.length > limit)
    write(ctx.stdout, `… and ${plan.slices.length - limit} more slices (--json lists all)`)
  write(
    ctx.stdout,
    `\n${plan.slices.length} slices = ${plan.calls} calls, ${plan.quotaDays} quota-day(s) at ${formatNumber(plan.quota)} calls/day, ` +
      `~${formatNumber(plan.expectedRows)} rows expected; ${plan.skipped.length} slice(s) skipped as already fetched` +
      (plan.skipped.length > 0 ? ' (--refresh to re-fetch)' : ''),
  )
}

async function planCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('plan', argv, PLAN_FLAGS)
  if (values.help) return help(ctx, 'plan')
  const { openDatabase, planBackfill } = await lazy.engine()
  const input = planInput('plan', values)
  const cfg = config(ctx)
  const db = databaseExists(cfg.databaseUrl) ? await openDatabase(cfg.databaseUrl) : undefined
  try {
    const plan = await planBackfill(input, { quota: cfg.dailyQuota, ...(db ? { db } : {}) })
    if (values.json) json(ctx, plan)
    else printPlan(ctx, plan)
    return 0
  } finally {
    await db?.close()
  }
}

function printSummary(ctx: CliContext, s: SyncSummary): void {
  write(
    ctx.stdout,
    `synced ${s.done}/${s.slices} slices in ${formatSeconds(s.durationMs / 1000)}: ${formatNumber(s.rows.total)} rows ` +
      `(${formatNumber(s.rows.added)} added, ${formatNumber(s.rows.changed)} changed, ${formatNumber(s.rows.withdrawn)} withdrawn, ` +
      `${formatNumber(s.rows.unchanged)} unchanged), ${s.calls} calls` +
      (s.split ? `, ${s.split} split` : '') +
      (s.failed ? `, ${s.failed} FAILED` : '') +
      (s.interrupted ? ' — interrupted, run again to continue' : ''),
  )
  for (const f of s.failures.slice(0, 10))
    write(ctx.stdout, `  failed ${describeSlice(f.slice)}: ${f.message}`)
}

async function runInlineWithProgress(
  ctx: CliContext,
  plan: Plan,
  deps: EngineDeps,
  concurrency: number,
  quiet: boolean,
  outageBudgetMs?: number,
  graceMs?: number,
): Promise<SyncSummary> {
  const { runInline } = await lazy.inline()
  const progress = quiet ? undefined : createProgress(ctx.stderr)
  progress?.update({ done: 0, total: plan.slices.length })
  const summary = await runInline(plan.slices, deps, {
    concurrency,
    ...(outageBudgetMs === undefined ? {} : { outageBudgetMs }),
    ...(graceMs === undefined ? {} : { graceMs }),
    signal: ctx.shutdown,
    onOutcome: (outcome, p) => {
      const note =
        outcome.status === 'wait' && outcome.reason === 'quota_exceeded'
          ? `daily quota spent, waiting for ${new Date(outcome.until).toISOString()} (midnight KST)`
          : outcome.status === 'failed'
            ? `${describeSlice(outcome.slice)} failed`
            : undefined
      progress?.update({ ...p, ...(note ? { note } : {}) })
    },
  })
  progress?.finish()
  return summary
}

async function syncCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('sync', argv, {
    ...PLAN_FLAGS,
    inline: { type: 'boolean' },
    'allow-inline': { type: 'boolean' },
    concurrency: { type: 'string' },
  })
  if (values.help) return help(ctx, 'sync')
  const { createEngineDeps, openDatabase, planBackfill } = await lazy.engine()
  const { createQueue, enqueueSlices } = await lazy.queue()
  const { createRedis, inlineLimits, pingRedis, requireRedis } = await lazy.runtime()
  const input = planInput('sync', values)
  const concurrency = parsePositiveInt(values.concurrency, 'concurrency', 'sync', 2, 64)
  if (values.inline && values['allow-inline']) {
    throw new UsageError(
      'sync: --inline and --allow-inline exclude each other',
      '--inline always runs here; --allow-inline only when Redis is down',
    )
  }
  const cfg = config(ctx)
  const serviceKey = requireServiceKey(cfg)
  const log = logger(ctx, cfg, true)
  let inline = values.inline === true
  if (!inline && !(await pingRedis(cfg.redisUrl))) {
    if (!values['allow-inline']) await requireRedis(cfg.redisUrl, log)
    log.warn('Redis is unreachable: running the plan inline (--allow-inline)')
    inline = true
  }
  // Validate the plan against the reference table before anything is opened or written.
  await planBackfill(input, { quota: cfg.dailyQuota, ledger: [] })
  const db = await openDatabase(cfg.databaseUrl)
  let limits: Awaited<ReturnType<typeof inlineLimits>> | undefined
  try {
    const plan = await planBackfill(input, { quota: cfg.dailyQuota, db })
    if (!inline) {
      const redis = createRedis(cfg.redisUrl)
      const queue = createQueue(redis, cfg.queuePrefix)
      try {
        const r = await enqueueSlices(
          queue,
          plan.slices,
          input.refresh ? `refresh-${Date.now()}` : 'backfill',
        )
        if (values.json)
          json(ctx, {
            mode: 'queued',
            plan: { calls: plan.calls, quotaDays: plan.quotaDays, skipped: plan.skipped.length },
            ...r,
          })
        else
          write(
            ctx.stdout,
            `queued ${r.added} new job(s) on ${cfg.queuePrefix}:sync (${r.existing} already queued or done, ${r.retried} failed job(s) retried, ` +
              `${plan.skipped.length} slice(s) skipped as fetched): ${plan.calls} calls, ${plan.quotaDays} quota-day(s). Run 'kcs-trade worker' to process them.`,
          )
        return 0
      } finally {
        await queue.close()
        redis.disconnect()
      }
    }
    const clock = ctx.clock ?? systemClock
    // With Redis reachable, the run spends the key's shared quota and rate limit, as workers do.
    limits = await inlineLimits(cfg, serviceKey, clock, log)
    const deps = createEngineDeps({
      serviceKey,
      baseUrl: cfg.baseUrl,
      timeoutMs: cfg.timeoutMs,
      db,
      limits,
      logger: log,
      clock,
    })
    const summary = await runInlineWithProgress(
      ctx,
      plan,
      deps,
      concurrency,
      values.json === true,
      cfg.outageBudgetMs,
      cfg.shutdownTimeoutMs,
    )
    if (values.json) json(ctx, { mode: 'inline', ...summary })
    else printSummary(ctx, summary)
    if (summary.stopped?.hint) write(ctx.stderr, `hint: ${summary.stopped.hint}`)
    return summary.failed > 0 ? 1 : summary.interrupted ? 130 : 0
  } finally {
    await limits?.close()
    await db.close()
  }
}

/* --------------------------------------------------------------------- demo ---------------------------------------------------------------- */

/** A path as one POSIX shell word, to paste into a terminal. */
function shellWord(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text
  // Control characters in single quotes would reach the terminal: $'…' spells them as visible escapes.
  if (printable(text) !== text) return `$'${printable(text).replaceAll("'", "\\'")}'`
  return `'${text.replaceAll("'", `'\\''`)}'`
}

export const DEMO_COUNTRIES = ['US', 'CN', 'JP', 'VN', 'DE', 'AU']

async function demoCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('demo', argv, {
    dir: { type: 'string' },
    country: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    seed: { type: 'string' },
  })
  if (values.help) return help(ctx, 'demo')
  const { topItems, topPartners } = await lazy.db()
  const { createEmulator } = await lazy.emulator()
  const reference = await lazy.reference()
  const { countries } = reference
  const { createEngineDeps, openDatabase, planBackfill } = await lazy.engine()
  const { memoryLimits } = await lazy.runtime()
  const cfg = config(ctx)
  const chosen = values.country === undefined ? DEMO_COUNTRIES : parseCountries(values.country, 'demo')
  if (chosen === 'all')
    throw new UsageError(
      'demo: --country all is too big for a demo',
      "use 'kcs-trade sync --inline --country all' instead",
    )
  const seed = parsePositiveInt(values.seed, 'seed', 'demo', 1, 2 ** 31)
  // An empty --dir would resolve to the current directory and put a database there.
  if (values.dir !== undefined && values.dir.trim() === '')
    throw new UsageError(
      'demo: --dir is empty',
      'give a directory for the demo database, e.g. --dir ./.kcs-trade/demo',
    )
  const dir = resolve(values.dir ?? './.kcs-trade/demo')
  const clock = ctx.clock ?? systemClock
  const serviceKey = `demo-${keyFingerprint(String(Math.random()))}`
  const quota = 1_000
  const emu = await createEmulator({
    port: 0,
    seed,
    keys: [serviceKey],
    dailyQuota: quota,
    now: () => clock.now(),
  })
  try {
    // The last complete year of detail the emulator publishes, unless asked otherwise.
    const lastDetail = emu.truth.publication().lastDetailMonth
    const year = Number(lastDetail.slice(0, 4)) - (lastDetail.endsWith('-12') ? 0 : 1)
    // A small plan by default: one quarter, still one call per country.
    const from = values.from ? parseMonth(values.from, 'from', 'demo') : `${year}-10`
    const to = values.to ? parseMonth(values.to, 'to', 'demo') : `${year}-12`
    const input = { countries: chosen, from, to, refresh: true }
    await planBackfill(input, { quota, ledger: [] }) // validate before creating the directory
    const db = await openDatabase(dir)
    try {
      const plan = await planBackfill(input, { quota, db })
      const log = logger(ctx, cfg, true)
      if (!values.json) {
        write(ctx.stderr, `demo: emulator at ${emu.url}, PGlite at ${printable(dir)}`)
        write(
          ctx.stderr,
          `demo: ${plan.calls} slices (${chosen.join(', ')} × ${from}..${to}), ${cfg.ratePerSecond} calls/s`,
        )
      }
      const limits = memoryLimits({ dailyQuota: quota, ratePerSecond: cfg.ratePerSecond }, clock)
      const deps = createEngineDeps({
        serviceKey,
        baseUrl: emu.url,
        timeoutMs: cfg.timeoutMs,
        db,
        limits,
        logger: log,
        clock,
      })
      const summary = await runInlineWithProgress(ctx, plan, deps, 2, values.json === true)
      const partners = await topPartners(db, { from, to, limit: 5 })
      // Headings (HS-4) are what an analyst ranks items by; the mirror's monthly rollup holds them.
      const items = await topItems(db, { from, to, limit: 5, hsDigits: 4 })
      const used = emu.quota(serviceKey).used
      const result = {
        database: dir,
        window: { from, to },
        countries: chosen,
        slices: summary.slices,
        rows: summary.rows,
        calls: summary.calls,
        quota: { used, limit: quota },
        failed: summary.failed,
        durationMs: summary.durationMs,
        topPartners: partners.map((p) => ({
          country: p.country,
          name: countries.get(p.country)?.nameEn ?? p.countryName,
          nameKo: countries.get(p.country)?.kcsNameKo ?? p.countryName,
          tradeUsd: p.tradeUsd,
          exportUsd: p.exportUsd,
          importUsd: p.importUsd,
        })),
        topItems: items.map((i) => ({
          hsCode: i.hsCode,
          name: itemName(reference, i.hsCode, i.itemName),
          nameKo: reference.hs.get(i.hsCode)?.nameKo ?? i.itemName,
          tradeUsd: i.tradeUsd,
          exportUsd: i.exportUsd,
          importUsd: i.importUsd,
        })),
      }
      if (values.json) {
        json(ctx, result)
      } else {
        printSummary(ctx, summary)
        write(ctx.stdout, `quota used: ${used} of ${quota} calls today (emulator)\n`)
        write(ctx.stdout, `Top partners ${from}..${to} (US$):`)
        write(
          ctx.stdout,
          table(
            ['code', '국가', 'country', 'exports', 'imports', 'total'],
            result.topPartners.map((p) => [
              p.country,
              p.nameKo,
              p.name,
              p.exportUsd,
              p.importUsd,
              p.tradeUsd,
            ]),
          ),
        )
        write(ctx.stdout, `\nTop items (HS headings) ${from}..${to} (US$):`)
        write(
          ctx.stdout,
          table(
            ['HS', '품목', 'item', 'exports', 'imports', 'total'],
            result.topItems.map((i) => [
              i.hsCode,
              truncateWidth(i.nameKo, 24),
              truncate(i.name, 36),
              i.exportUsd,
              i.importUsd,
              i.tradeUsd,
            ]),
          ),
        )
        write(
          ctx.stdout,
          // The other commands read DATABASE_URL (default ./.kcs-trade/db), not the demo's directory.
          `\nThe mirror is in ${printable(dir)} (PGlite). Next: DATABASE_URL=${shellWord(dir)} kcs-trade status, kcs-trade plan --help, apps/worker/README.md`,
        )
      }
      return summary.failed > 0 ? 1 : 0
    } finally {
      await db.close()
    }
  } finally {
    await emu.close()
  }
}

function itemName(reference: typeof import('@kcs-trade/reference'), code: string, fallback: string): string {
  const { hs, hsk } = reference
  if (code.length !== 10) return hs.get(code)?.nameEn ?? fallback
  const line = hsk.get(code)
  const sub = hs.get(code.slice(0, 6)) ?? hs.get(code.slice(0, 4))
  if (!line) return sub?.nameEn ?? fallback
  // KCS names are relative to the parent ("Other", "Of wool…"): lead with the subheading then.
  if (sub && /^(other|of |for |in |with |not )/i.test(line.nameEn)) return `${sub.nameEn}: ${line.nameEn}`
  return line.nameEn
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/** Cut to a terminal width (Hangul takes two columns), with an ellipsis. */
function truncateWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s
  let out = ''
  for (const ch of s) {
    if (displayWidth(`${out}${ch}`) > width - 1) break
    out += ch
  }
  return `${out}…`
}

/* -------------------------------------------------------------------- fetch ---------------------------------------------------------------- */

const ROW_FIELDS = [
  'period',
  'countryCode',
  'countryName',
  'hsCode',
  'itemName',
  'exportKg',
  'exportUsd',
  'importKg',
  'importUsd',
  'balanceUsd',
] as const

async function fetchCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('fetch', argv, {
    dataset: { type: 'string' },
    country: { type: 'string' },
    hs: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) return help(ctx, 'fetch')
  const { createKcsClient } = await lazy.client()
  const { countries } = await lazy.reference()
  const format = values.json ? 'json' : (values.format ?? (ctx.stdout.isTTY ? 'table' : 'csv'))
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError(
      `fetch: --format must be table, json or csv, got ${quoted(format)}`,
      'e.g. --format csv > rows.csv',
    )
  const from = parseMonth(values.from, 'from', 'fetch')
  const to = parseMonth(values.to, 'to', 'fetch')
  if (monthIndex(to) < monthIndex(from))
    throw new UsageError(
      `fetch: --to ${to} is before --from ${from}`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  const country = values.country === undefined ? undefined : parseCountries(values.country, 'fetch')
  if (country === 'all' || (Array.isArray(country) && country.length !== 1)) {
    throw new UsageError('fetch: --country takes one code', "use 'kcs-trade sync' for several countries")
  }
  const hsList = parseHsList(values.hs, 'fetch')
  if (hsList && hsList.length !== 1)
    throw new UsageError('fetch: --hs takes one prefix', "use 'kcs-trade sync --hs 85,0202' for several")
  const dataset = parseDataset(values.dataset, 'fetch')
  if (dataset !== 'nitemtrade') checkSiblingFilters(dataset, { country: country?.[0], hs: hsList?.[0] })
  else if (!country && !hsList)
    throw new UsageError('fetch: give --country, --hs or both', 'the API requires at least one of them')
  const code = country?.[0]
  if (code && !countries.has(code))
    throw new UsageError(
      `fetch: unknown country code ${code}`,
      `find it with 'kcs-trade lookup country <name>'`,
    )
  const cfg = config(ctx)
  const serviceKey = requireServiceKey(cfg)
  // Sees how connections fail, so that a wrong KCS_BASE_URL is named as such (not "retry later").
  const tracked = trackConnections()
  const kcs = createKcsClient({
    serviceKey,
    baseUrl: cfg.baseUrl,
    timeoutMs: cfg.timeoutMs,
    fetch: tracked.fetch,
  })
  if (dataset !== 'nitemtrade')
    return fetchSibling(ctx, kcs, { dataset, from, to, country: code, hs: hsList?.[0], format })
  const rows: Array<Record<string, unknown>> = []
  // The CSV header goes out with the first row (or at the end of an empty answer): a failed fetch prints nothing.
  const header = lazyHeader(ctx.stdout, csvLine([...ROW_FIELDS]))
  let count = 0
  for (const window of calendarYearWindows(from, to)) {
    const stream = kcs.streamTradeByItemCountry({
      ...window,
      ...(code ? { country: code } : {}),
      ...(hsList ? { hs: hsList[0] } : {}),
    })
    const rowsOf = stream as AsyncIterable<Record<string, unknown>>
    for await (const row of explainUnreachable(rowsOf, tracked, cfg.baseUrl)) {
      count++
      if (format === 'csv') {
        header()
        ctx.stdout.write(csvLine(ROW_FIELDS.map((f) => row[f])))
      } else rows.push(row)
    }
  }
  if (format === 'csv') header()
  else if (format === 'json') json(ctx, rows)
  else if (format === 'table') {
    write(
      ctx.stdout,
      table(
        ['month', 'ctry', 'hs code', 'item', 'export kg', 'export $', 'import kg', 'import $', 'balance $'],
        rows.map((r) => [
          r.period as string,
          r.countryCode as string,
          r.hsCode as string,
          truncate(String(r.itemName), 30),
          r.exportKg as number,
          r.exportUsd as number,
          r.importKg as number,
          r.importUsd as number,
          r.balanceUsd as number,
        ]),
      ),
    )
    write(ctx.stderr, `${count} rows`)
  }
  return 0
}

/* ------------------------------------------------------------------- lookup ---------------------------------------------------------------- */

async function lookupCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    'lookup',
    argv,
    { json: { type: 'boolean' }, limit: { type: 'string' } },
    true,
  )
  if (values.help) return help(ctx, 'lookup')
  const { countries, hs, hsk } = await lazy.reference()
  const [kind, ...rest] = positionals
  const text = rest.join(' ').trim()
  if (text.length > 200)
    throw new UsageError(
      `lookup: the text to look up is ${text.length} characters long (at most 200)`,
      'give a code or a few words of a name, e.g. kcs-trade lookup hs beef',
    )
  if (kind !== 'hs' && kind !== 'country')
    throw new UsageError(
      `lookup: what to look up? got ${quoted(kind ?? '')}`,
      'kcs-trade lookup hs 0202 | kcs-trade lookup hs beef | kcs-trade lookup country Japan',
    )
  if (!text)
    throw new UsageError(
      `lookup ${kind}: give a code or a name`,
      kind === 'hs' ? 'e.g. kcs-trade lookup hs 0202' : 'e.g. kcs-trade lookup country 일본',
    )
  const limit = parsePositiveInt(values.limit, 'limit', 'lookup', 20, 500)
  if (kind === 'country') {
    const exact = /^[A-Za-z]{2}$/.test(text) ? countries.get(text.toUpperCase()) : undefined
    const byName = exact ?? countries.byName(text)
    const found = byName
      ? [byName]
      : countries
          .all()
          .filter((c) => `${c.nameEn} ${c.nameKo} ${c.kcsNameKo}`.toLowerCase().includes(text.toLowerCase()))
          .slice(0, limit)
    if (values.json)
      json(
        ctx,
        found.map((c) => ({ code: c.code, nameKo: c.nameKo, nameEn: c.nameEn, kcsNameKo: c.kcsNameKo })),
      )
    else if (found.length > 0)
      write(
        ctx.stdout,
        table(
          ['code', 'English', 'Korean', 'KCS spelling'],
          found.map((c) => [c.code, c.nameEn, c.nameKo, c.kcsNameKo]),
        ),
      )
    if (found.length === 0) {
      write(
        ctx.stderr,
        `no country matches ${quoted(text)} (try an English or Korean name, or a 2-letter code)`,
      )
      return 1
    }
    return 0
  }
  const entries: Array<{ code: string; nameEn: string; nameKo?: string | undefined; path?: string }> = []
  if (/^\d+$/.test(text)) {
    if (text.length === 10) {
      const line = hsk.get(text)
      if (line) entries.push({ code: line.code, nameEn: line.nameEn, nameKo: line.nameKo, path: line.pathEn })
    } else {
      const e = hs.get(text) ?? (text.length > 6 ? hsk.get(text) : undefined)
      if (e) entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo })
    }
  }
  if (entries.length === 0) {
    for (const e of hs.search(text, { limit }))
      entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo })
    if (entries.length < limit) {
      for (const e of hsk.search(text, { limit: limit - entries.length }))
        entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo, path: e.pathEn })
    }
  }
  if (values.json) json(ctx, entries)
  else if (entries.length > 0)
    write(
      ctx.stdout,
      table(
        ['code', 'English', 'Korean'],
        entries.map((e) => [e.code, truncate(e.path ?? e.nameEn, 70), e.nameKo ?? '']),
      ),
    )
  if (entries.length === 0) {
    write(
      ctx.stderr,
      `no HS code matches ${quoted(text)} (codes are 2, 4, 6 or 10 digits; or search English/Korean text)`,
    )
    return 1
  }
  return 0
}

/* ----------------------------------------------------------------- worker ------------------------------------------------------------------ */

/** The system clock, or — only when the test-only `KCS_TEST_CLOCK_FILE` is set — a clock offset by that file's value. */
function workerClock(cfg: WorkerConfig, log: Logger): Clock {
  if (!cfg.testClockFile) return systemClock
  if (!isLoopbackUrl(cfg.baseUrl)) {
    throw new UsageError(
      'KCS_TEST_CLOCK_FILE is set but KCS_BASE_URL is not a loopback address (127.0.0.0/8, ::1, localhost): a test clock is refused against a real API',
      'KCS_TEST_CLOCK_FILE is for fault suites against a local emulator only: unset it to use the system clock',
    )
  }
  let clock: Clock
  try {
    clock = offsetFileClock(cfg.testClockFile, (p) => readFileSync(p, 'utf8'))
  } catch (error) {
    throw new UsageError(
      (error as Error).message,
      'KCS_TEST_CLOCK_FILE is for fault suites only: unset it to use the system clock',
    )
  }
  log.warn(
    { testClockFile: cfg.testClockFile },
    'KCS_TEST_CLOCK_FILE is set: the calendar clock (quota day) follows a test offset — never use this in production',
  )
  return clock
}

async function workerCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('worker', argv, { concurrency: { type: 'string' } })
  if (values.help) return help(ctx, 'worker')
  const { createEngineDeps, freshnessSlices, openDatabase, warmUpHttp } = await lazy.engine()
  const { createSyncWorker } = await lazy.queue()
  const { createRedis, redisLimits, requireRedis } = await lazy.runtime()
  const concurrency = parsePositiveInt(values.concurrency, 'concurrency', 'worker', 2, 64)
  const cfg = config(ctx)
  const serviceKey = requireServiceKey(cfg)
  const log = logger(ctx, cfg)
  // The test clock is checked (and refused outside a loopback API) before anything touches Redis.
  const clock = ctx.clock ?? workerClock(cfg, log)
  await requireRedis(cfg.redisUrl, log)
  const db = await openDatabase(cfg.databaseUrl)
  const redis = createRedis(cfg.redisUrl)
  const limits = redisLimits(redis, cfg, serviceKey, clock)
  const deps = createEngineDeps({
    serviceKey,
    baseUrl: cfg.baseUrl,
    timeoutMs: cfg.timeoutMs,
    db,
    limits,
    logger: log,
    clock,
    circuitBreaker: { failureThreshold: cfg.circuitThreshold, cooldownMs: cfg.circuitCooldownMs },
  })
  await warmUpHttp()
  // In-flight jobs get KCS_SHUTDOWN_TIMEOUT_MS after the first signal; then they are aborted and go back to waiting.
  const inFlight = graceSignal(ctx.shutdown, cfg.shutdownTimeoutMs)
  const worker = createSyncWorker({
    signal: inFlight.signal,
    connection: redis,
    prefix: cfg.queuePrefix,
    deps,
    concurrency,
    clock,
    quotaRecheckMs: cfg.quotaRecheckMs,
    outageBudgetMs: cfg.outageBudgetMs,
    lockDurationMs: cfg.jobLockMs,
    stalledIntervalMs: Math.max(500, Math.min(30_000, Math.floor(cfg.jobLockMs / 2))),
    freshnessSlices: () => freshnessSlices(db, clock, cfg.dailyQuota),
  })
  worker.on('failed', (job, error) => {
    if (job && error.name === 'UnrecoverableError')
      log.error({ job: job.id }, `job failed for good: ${redactKey(error.message, serviceKey)}`)
  })
  worker.on('error', (error) => log.error({ err: redactKey(error.message, serviceKey) }, 'worker error'))
  await worker.waitUntilReady()
  log.info(
    {
      concurrency,
      prefix: cfg.queuePrefix,
      rate: cfg.ratePerSecond,
      quota: cfg.dailyQuota,
      key: keyFingerprint(serviceKey),
    },
    'worker started',
  )
  await new Promise<void>((resolve) => {
    if (ctx.shutdown.aborted) resolve()
    ctx.shutdown.addEventListener('abort', () => resolve(), { once: true })
  })
  log.info(
    { timeoutMs: cfg.shutdownTimeoutMs },
    'shutting down: no new jobs; in-flight jobs may finish, then they go back to the queue',
  )
  const closing = worker.close()
  // Aborted jobs move back to waiting at once; a few seconds more cover that (and a Redis that does not answer).
  const timedOut = await Promise.race([
    closing.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), cfg.shutdownTimeoutMs + 5_000).unref()),
  ])
  inFlight.dispose()
  if (timedOut) {
    // Jobs still running are released: their locks lapse and another worker retries them.
    log.warn('in-flight jobs did not stop in time: releasing them to other workers')
    await Promise.race([worker.close(true), new Promise((r) => setTimeout(r, 2_000).unref())])
  }
  await limits.metrics.flush()
  redis.disconnect()
  await db.close()
  log.info('worker stopped')
  return 0
}

/* ----------------------------------------------------------------- schedule ---------------------------------------------------------------- */

async function scheduleCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('schedule', argv, {
    cron: { type: 'string' },
    'run-now': { type: 'boolean' },
    remove: { type: 'boolean' },
    json: { type: 'boolean' },
  })
  if (values.help) return help(ctx, 'schedule')
  // An empty --cron would fall back to the default pattern and install it.
  if (values.cron !== undefined && values.cron.trim() === '')
    throw new UsageError('schedule: --cron is empty', "e.g. --cron '0 0 6 * * *' (06:00 KST daily)")
  const { FRESHNESS_SCHEDULER_ID, createQueue, installFreshnessScheduler, triggerFreshness } =
    await lazy.queue()
  const { createRedis, requireRedis } = await lazy.runtime()
  const cfg = loadConfig({
    ...ctx.env,
    ...(values.cron !== undefined ? { KCS_FRESHNESS_CRON: values.cron } : {}),
  })
  // Check the pattern before touching Redis: BullMQ writes the queue's keys before it parses the cron.
  try {
    const { default: cronParser } = await import('cron-parser')
    cronParser.parseExpression(cfg.freshnessCron, { tz: 'Asia/Seoul' })
  } catch (error) {
    throw new UsageError(
      `schedule: invalid cron ${quoted(cfg.freshnessCron)}: ${printable((error as Error).message)}`,
      "e.g. --cron '0 0 6 * * *' (06:00 KST daily)",
    )
  }
  await requireRedis(cfg.redisUrl)
  const redis = createRedis(cfg.redisUrl)
  const queue = createQueue(redis, cfg.queuePrefix)
  try {
    if (values.remove) {
      const removed = await queue.removeJobScheduler(FRESHNESS_SCHEDULER_ID)
      if (values.json) json(ctx, { removed })
      else write(ctx.stdout, removed ? 'freshness scheduler removed' : 'no freshness scheduler was installed')
      return 0
    }
    try {
      await installFreshnessScheduler(queue, cfg.freshnessCron)
    } catch (error) {
      throw new UsageError(
        `schedule: invalid cron ${quoted(cfg.freshnessCron)}: ${printable((error as Error).message)}`,
        "e.g. --cron '0 0 6 * * *' (06:00 KST daily)",
      )
    }
    const scheduler = await queue.getJobScheduler(FRESHNESS_SCHEDULER_ID)
    const next = scheduler?.next ? new Date(scheduler.next).toISOString() : null
    const manual = values['run-now'] ? await triggerFreshness(queue) : null
    if (values.json)
      json(ctx, {
        id: FRESHNESS_SCHEDULER_ID,
        cron: cfg.freshnessCron,
        tz: 'Asia/Seoul',
        next,
        runNow: manual,
      })
    else
      write(
        ctx.stdout,
        `freshness scheduler '${FRESHNESS_SCHEDULER_ID}' on ${cfg.queuePrefix}:sync: cron '${cfg.freshnessCron}' (Asia/Seoul), next run ${next ?? '?'}` +
          (manual ? `\nfreshness job ${manual} queued now` : ''),
      )
    return 0
  } finally {
    await queue.close()
    redis.disconnect()
  }
}

/* ------------------------------------------------------------------ status ----------------------------------------------------------------- */

export interface StatusReport {
  database: string
  coverage: Array<{
    country: string | null
    year: number
    okSlices: number
    failedSlices: number
    months: number
    rows: number
    lastFetchedAt: string | null
  }>
  queue: Record<string, number> | null
  quota: { day: string; used: number; limit: number; remaining: number; resetsAt: string } | null
  failures: Array<{ slice: string; error: string | null; code: string | null; at: string | null }>
  notes: string[]
}

export async function collectStatus(
  cfg: WorkerConfig,
  db: KcsDatabase | undefined,
  queue: Queue | undefined,
  quota: RedisQuota | MemoryQuota | undefined,
): Promise<StatusReport> {
  const { coverage, ledger, redactUrl } = await lazy.db()
  const notes: string[] = []
  // /api/status serves these notes over HTTP: no password of a database or Redis URL in them.
  const databaseUrl = redactUrl(cfg.databaseUrl)
  const cov = db ? await coverage(db) : []
  const failed = db ? await ledger(db, { status: 'failed' }) : []
  if (!db) notes.push(`no database at ${databaseUrl} yet (run a sync first)`)
  const counts = queue
    ? await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized')
    : null
  if (!queue) notes.push(`Redis unreachable at ${redactUrl(cfg.redisUrl)}: no queue counts`)
  const snap = quota ? await quota.snapshot() : null
  if (!quota) notes.push('KCS_SERVICE_KEY not set (or Redis down): quota unknown')
  return {
    database: databaseUrl,
    coverage: cov.map((c) => ({
      country: c.country,
      year: c.year,
      okSlices: c.okSlices,
      failedSlices: c.failedSlices,
      months: c.monthsSynced,
      rows: c.rowCount,
      lastFetchedAt: c.lastFetchedAt ? c.lastFetchedAt.toISOString() : null,
    })),
    queue: counts,
    quota: snap
      ? {
          day: snap.day,
          used: snap.used,
          limit: snap.limit,
          remaining: snap.remaining,
          resetsAt: new Date(snap.resetAt).toISOString(),
        }
      : null,
    failures: failed
      .sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0))
      .slice(0, 10)
      .map((f) => ({
        slice: f.sliceKey,
        error: redactKey(f.lastError ?? '', cfg.serviceKey) || null,
        code: f.errorCode,
        at: f.failedAt ? f.failedAt.toISOString() : null,
      })),
    notes,
  }
}

async function withStatusSources<T>(
  cfg: WorkerConfig,
  ctx: CliContext,
  fn: (db: KcsDatabase | undefined, queue: Queue | undefined, quota: RedisQuota | undefined) => Promise<T>,
): Promise<T> {
  const { openDatabase } = await lazy.engine()
  const { RedisQuota } = await lazy.limits()
  const { createQueue } = await lazy.queue()
  const { createRedis, pingRedis } = await lazy.runtime()
  const db = databaseExists(cfg.databaseUrl) ? await openDatabase(cfg.databaseUrl) : undefined
  const redisUp = await pingRedis(cfg.redisUrl)
  const redis = redisUp ? createRedis(cfg.redisUrl) : undefined
  const queue = redis ? createQueue(redis, cfg.queuePrefix) : undefined
  const quota =
    redis && cfg.serviceKey
      ? new RedisQuota(
          redis,
          cfg.queuePrefix,
          keyFingerprint(cfg.serviceKey),
          cfg.dailyQuota,
          ctx.clock ?? systemClock,
        )
      : undefined
  try {
    return await fn(db, queue as Queue | undefined, quota)
  } finally {
    await queue?.close()
    redis?.disconnect()
    await db?.close()
  }
}

async function statusCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('status', argv, { json: { type: 'boolean' } })
  if (values.help) return help(ctx, 'status')
  const cfg = config(ctx)
  const report = await withStatusSources(cfg, ctx, (db, queue, quota) => collectStatus(cfg, db, queue, quota))
  if (values.json) {
    json(ctx, report)
    return 0
  }
  write(ctx.stdout, `database: ${printable(report.database)}`)
  if (report.coverage.length > 0) {
    write(
      ctx.stdout,
      table(
        ['country', 'year', 'months', 'rows', 'ok', 'failed', 'last fetched'],
        report.coverage.map((c) => [
          c.country ?? '(all)',
          String(c.year),
          c.months,
          c.rows,
          c.okSlices,
          c.failedSlices,
          c.lastFetchedAt ?? '',
        ]),
      ),
    )
  } else write(ctx.stdout, 'coverage: nothing mirrored yet')
  if (report.queue)
    write(
      ctx.stdout,
      `\nqueue ${cfg.queuePrefix}:sync: ${Object.entries(report.queue)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
  if (report.quota)
    write(
      ctx.stdout,
      `quota ${report.quota.day} (KST): ${report.quota.used}/${report.quota.limit} used, ${report.quota.remaining} left, resets ${report.quota.resetsAt}`,
    )
  if (report.failures.length > 0) {
    write(ctx.stdout, '\nrecent failures:')
    for (const f of report.failures) write(ctx.stdout, `  ${f.slice} [${f.code ?? '?'}] ${f.error ?? ''}`)
  }
  for (const n of report.notes) write(ctx.stdout, `note: ${n}`)
  return 0
}

/* ------------------------------------------------------------------- serve ----------------------------------------------------------------- */

// The HTTP server and the dashboard live in serve.ts and dashboard/.
async function serveCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const serve = await import('../serve/server.js')
  return serve.serveCommand(ctx, argv)
}

/* ---------------------------------------------------------------- dispatch ----------------------------------------------------------------- */

function help(ctx: CliContext, name: CommandName | 'main'): number {
  write(ctx.stdout, HELP[name])
  return 0
}

async function emulatorCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { runEmulatorCli } = await lazy.emulator()
  const code = await runEmulatorCli(argv, {
    signal: ctx.shutdown,
    handleSignals: false,
    io: {
      out: (line) => write(ctx.stdout, line),
      // The emulator's own pointer to its help becomes this CLI's hint line.
      err: (line) =>
        write(
          ctx.stderr,
          /^Run kcs-emulator --help/.test(line)
            ? "hint: see 'kcs-trade emulator --help' for the options"
            : clip(printable(line.replace(/^kcs-emulator: /, 'kcs-trade emulator: '))),
        ),
    },
  })
  if (code === 1)
    write(ctx.stderr, 'hint: pick a free --port (0 = any free port) and a local --host such as 127.0.0.1')
  return typeof code === 'number' ? code : 0
}

export const HANDLERS: Record<CommandName, (ctx: CliContext, argv: string[]) => Promise<number>> = {
  demo: demoCommand,
  fetch: fetchCommand,
  lookup: lookupCommand,
  emulator: emulatorCommand,
  plan: planCommand,
  sync: syncCommand,
  worker: workerCommand,
  schedule: scheduleCommand,
  status: statusCommand,
  serve: serveCommand,
  export: (ctx, argv) => import('../export/run.js').then((m) => m.exportCommand(ctx, argv)),
  verify: async (ctx, argv) => {
    const { openDatabase } = await lazy.engine()
    const { verifyCommand } = await import('./verify.js')
    return verifyCommand(ctx, argv, openDatabase, databaseExists)
  },
}

/** Run one CLI invocation; returns the exit code. Usage errors print the problem and a hint, exit 2. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    // No command is a mistake (a script that lost its arguments): the usage on stderr, exit 2 like other usage errors.
    write(ctx.stderr, HELP.main)
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') return help(ctx, 'main')
  if (name === '--version' || name === '-v') {
    write(ctx.stdout, '0.0.0')
    return 0
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    const near = COMMANDS.find((c) => c.startsWith(name.slice(0, 2)))
    throw new UsageError(
      `unknown command ${quoted(name)}`,
      `${near ? `did you mean '${near}'? ` : ''}commands: ${COMMANDS.join(', ')}`,
    )
  }
  return HANDLERS[name as CommandName](ctx, rest)
}
