import { parse, parseCountries, parseMonth, parsePositiveInt } from '../cli/args.js'
import { type CliContext, logger, write } from '../cli/context.js'
import { VERIFY_HELP } from '../cli/verify-help.js'
import { systemClock } from '../config/clock.js'
import { loadConfig, requireServiceKey, type WorkerConfig } from '../config/env.js'
import { UsageError } from '../config/errors.js'
import type { Logger } from '../config/logger.js'
import { formatNumber, table } from '../export/format.js'
import { createProgress } from '../export/progress.js'
import { databaseExists } from '../sync/database.js'
import type { EngineDeps } from '../sync/deps.js'
import { describeSlice, monthIndex, type Slice } from '../sync/slices.js'
import { fixSlices, VERDICTS, type VerifyReport } from '../sync/verify.js'
import { lazy } from './lazy.js'

/** `kcs-trade verify`. */
export async function verifyCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('verify', argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    country: { type: 'string' },
    json: { type: 'boolean' },
    fix: { type: 'boolean' },
    inline: { type: 'boolean' },
    offline: { type: 'boolean' },
    limit: { type: 'string' },
  })
  if (values.help) {
    write(ctx.stdout, VERIFY_HELP)
    return 0
  }
  if (values.inline && !values.fix)
    throw new UsageError('verify: --inline applies to --fix', 'verify --fix --inline re-fetches here')
  if (values.offline && values.fix && values.inline)
    throw new UsageError('verify: --offline makes no call, --fix --inline does', 'drop one of them')
  if ((values.from === undefined) !== (values.to === undefined))
    throw new UsageError(
      'verify: give both --from and --to, or neither (the mirrored window)',
      'e.g. --from 2025-01 --to 2025-12',
    )
  const limit = parsePositiveInt(values.limit, 'limit', 'verify', 30, 100_000)
  const chosen = values.country === undefined ? undefined : parseCountries(values.country, 'verify')
  // Every flag is checked before the database is opened.
  let asked: { from: string; to: string } | undefined
  if (values.from !== undefined && values.to !== undefined) {
    const from = parseMonth(values.from, 'from', 'verify')
    const to = parseMonth(values.to, 'to', 'verify')
    if (monthIndex(to) < monthIndex(from))
      throw new UsageError(`verify: --to ${to} is before --from ${from}`, 'the window is inclusive')
    asked = { from, to }
  }
  const { countries: reference } = await import('@kcs-trade/reference')
  if (Array.isArray(chosen))
    for (const code of chosen)
      if (!reference.has(code))
        throw new UsageError(
          `verify: unknown country code ${code}`,
          "find it with 'kcs-trade lookup country <name>'",
        )
  const cfg = loadConfig(ctx.env)
  if (!databaseExists(cfg.databaseUrl))
    throw new UsageError(
      `verify: there is no mirror at DATABASE_URL (${cfg.databaseUrl})`,
      "sync first ('kcs-trade sync --inline …'), or point DATABASE_URL at the mirror",
    )
  const { mirroredDetail, verifyFromMirror } = await import('../sync/verify-load.js')
  const { openDatabase } = await lazy.engine()
  const db = await openDatabase(cfg.databaseUrl)
  let closeLimits: (() => Promise<void>) | undefined
  try {
    const held = await mirroredDetail(db)
    const window = asked ?? (held.from && held.to ? { from: held.from, to: held.to } : undefined)
    if (!window)
      throw new UsageError(
        'verify: the mirror holds nothing yet, so there is no window to verify',
        'sync first, or give --from and --to (and --country) to see what is missing',
      )
    const { from, to } = window
    const countries =
      chosen === 'all'
        ? reference
            .all()
            .map((c) => c.code)
            .sort()
        : (chosen ?? held.countries)
    if (countries.length === 0)
      throw new UsageError(
        'verify: no country to verify',
        'sync a country first, or pass --country US,CN or all',
      )

    const log = logger(ctx, cfg, true)
    const clock = ctx.clock ?? systemClock
    let deps: EngineDeps | undefined
    const engineDeps = async (): Promise<EngineDeps> => {
      if (deps) return deps
      const { createEngineDeps } = await import('../sync/engine.js')
      const { inlineLimits } = await import('../sync/runtime.js')
      const serviceKey = requireServiceKey(cfg)
      // With Redis reachable, the calls count in the key's shared quota and rate limit, as the workers' do.
      const limits = await inlineLimits(cfg, serviceKey, clock, log)
      closeLimits = limits.close
      deps = createEngineDeps({
        serviceKey,
        baseUrl: cfg.baseUrl,
        timeoutMs: cfg.timeoutMs,
        db,
        limits,
        logger: log,
        clock,
      })
      return deps
    }
    const quiet = values.json === true
    const fetched = { calls: 0, failed: [] as Array<{ slice: string; message: string }> }
    if (!values.offline) {
      // The published totals: every country in one nationtrade call a year, and Newtrade.
      const { planTotalsFromLedger } = await import('../sync/plan-totals.js')
      const slices: Slice[] = []
      for (const dataset of ['nationtrade', 'newtrade'] as const)
        slices.push(
          ...planTotalsFromLedger(
            { dataset, countries: 'all', from, to, refresh: true },
            { quota: cfg.dailyQuota, ledger: [], countryCodes: [] },
          ).slices.map(({ country, from: f, to: t }) => ({ country, from: f, to: t, dataset })),
        )
      const summary = await runSlices(ctx, slices, await engineDeps(), quiet, 'totals', cfg)
      fetched.calls = summary.calls
      fetched.failed = summary.failures.map((f) => ({ slice: describeSlice(f.slice), message: f.message }))
      if (summary.stopped) {
        // Fail fast (e.g. a wrong KCS_BASE_URL before any answer): nothing to compare with.
        write(ctx.stderr, `kcs-trade: verify: ${summary.stopped.message}`)
        if (summary.stopped.hint) write(ctx.stderr, `hint: ${summary.stopped.hint}`)
        return 1
      }
      if (summary.interrupted) return 130
    }
    const report = await verifyFromMirror(db, { from, to, countries })
    let fix: Record<string, unknown> | undefined
    let after: VerifyReport | undefined
    if (values.fix) {
      const slices: Slice[] = fixSlices(report)
      if (slices.length === 0) fix = { slices: 0 }
      else if (values.inline) {
        const summary = await runSlices(ctx, slices, await engineDeps(), quiet, 'fix', cfg)
        fix = {
          mode: 'inline',
          slices: slices.length,
          done: summary.done,
          failed: summary.failed,
          calls: summary.calls,
        }
        if (summary.interrupted) return 130
        after = await verifyFromMirror(db, { from, to, countries })
      } else fix = { mode: 'queued', slices: slices.length, ...(await enqueue(cfg, slices, log)) }
    }
    const final = after ?? report
    const remaining = final.counts.short + final.counts.over + final.counts.stale
    if (values.json) {
      write(
        ctx.stdout,
        JSON.stringify(
          {
            window: { from, to },
            countries,
            published: fetched,
            unjudgedMonths: report.unjudgedMonths,
            counts: report.counts,
            national: report.national,
            checks: report.checks,
            ...(fix ? { fix } : {}),
            ...(after
              ? {
                  after: {
                    counts: after.counts,
                    checks: after.checks.filter((c) => c.verdict !== 'complete'),
                  },
                }
              : {}),
          },
          null,
          2,
        ),
      )
    } else printReport(ctx, report, fetched, limit, countries.length === reference.all().length, fix, after)
    return remaining > 0 || fetched.failed.length > 0 ? 1 : 0
  } finally {
    await closeLimits?.()
    await db.close()
  }
}

async function runSlices(
  ctx: CliContext,
  slices: Slice[],
  deps: EngineDeps,
  quiet: boolean,
  label: string,
  cfg: WorkerConfig,
) {
  const { runInline } = await import('../sync/inline.js')
  const progress = quiet ? undefined : createProgress(ctx.stderr, label)
  progress?.update({ done: 0, total: slices.length })
  const summary = await runInline(slices, deps, {
    concurrency: 2,
    outageBudgetMs: cfg.outageBudgetMs,
    graceMs: cfg.shutdownTimeoutMs,
    signal: ctx.shutdown,
    onOutcome: (_outcome, p) => progress?.update(p),
  })
  progress?.finish()
  return summary
}

async function enqueue(cfg: WorkerConfig, slices: Slice[], log: Logger) {
  const { createRedis, requireRedis } = await import('../sync/runtime.js')
  const { createQueue, enqueueSlices } = await import('../sync/queue.js')
  await requireRedis(cfg.redisUrl, log)
  const redis = createRedis(cfg.redisUrl)
  const queue = createQueue(redis, cfg.queuePrefix)
  try {
    return await enqueueSlices(queue, slices, `verify-${Date.now()}`)
  } finally {
    await queue.close()
    redis.disconnect()
  }
}

const usd = (n: number) => formatNumber(n)

function printReport(
  ctx: CliContext,
  report: VerifyReport,
  fetched: { calls: number; failed: Array<{ slice: string; message: string }> },
  limit: number,
  everyCountry: boolean,
  fix: Record<string, unknown> | undefined,
  after: VerifyReport | undefined,
): void {
  const out = ctx.stdout
  write(
    out,
    `verify ${report.from}..${report.to}, ${report.countries.length} countr${report.countries.length === 1 ? 'y' : 'ies'}` +
      (fetched.calls > 0
        ? ` (published totals fetched now: ${fetched.calls} calls)`
        : ' (published totals as stored)'),
  )
  for (const f of fetched.failed) write(out, `  could not fetch ${f.slice}: ${f.message}`)
  if (report.unjudgedMonths.length > 0)
    write(out, `  not judged (no published totals in the mirror): ${compactMonths(report.unjudgedMonths)}`)
  write(
    out,
    `  ${VERDICTS.map((v) => `${v} ${formatNumber(report.counts[v])}`).join(' · ')} (country-months)`,
  )
  const nationalOff = report.national.filter((n) => n.verdict !== 'complete')
  if (report.national.length > 0) {
    if (!everyCountry)
      write(
        out,
        `  Korea (Newtrade): ${nationalOff.length} of ${report.national.length} months differ from the mirror — expected, not every country is mirrored`,
      )
    else if (nationalOff.length === 0)
      write(out, `  Korea (Newtrade): all ${report.national.length} months equal the mirror`)
    else {
      write(out, '\nKorea (Newtrade) against the mirror, months that differ (US$):')
      write(
        out,
        table(
          ['month', 'published exports', 'mirror exports', 'published imports', 'mirror imports', 'verdict'],
          nationalOff.map((n) => [
            n.period,
            (n.published ?? n.countriesSum).exportUsd,
            n.mirror.exportUsd,
            (n.published ?? n.countriesSum).importUsd,
            n.mirror.importUsd,
            n.verdict,
          ]),
        ),
      )
    }
  }
  const off = report.checks.filter((c) => c.verdict !== 'complete' && c.verdict !== 'pending')
  if (off.length > 0) {
    write(out, `\nCountry-months that differ (US$), ${Math.min(limit, off.length)} of ${off.length}:`)
    write(
      out,
      table(
        ['country', 'month', 'verdict', 'published exp', 'mirror exp', 'published imp', 'mirror imp', 'why'],
        off
          .slice(0, limit)
          .map((c) => [
            c.countryCode,
            c.period,
            c.verdict,
            usd(c.published.exportUsd),
            usd(c.mirror.exportUsd),
            usd(c.published.importUsd),
            usd(c.mirror.importUsd),
            c.reason,
          ]),
      ),
    )
  }
  if (fix) {
    if (fix.slices === 0) write(out, '\nfix: nothing to re-fetch')
    else if (fix.mode === 'queued')
      write(
        out,
        `\nfix: queued ${fix.added} job(s) for ${fix.slices} slice(s); run 'kcs-trade worker', then verify again`,
      )
    else
      write(
        out,
        `\nfix: re-fetched ${fix.done}/${fix.slices} slice(s) here (${fix.calls} calls, ${fix.failed} failed)`,
      )
  }
  if (after)
    write(out, `after the fix: ${VERDICTS.map((v) => `${v} ${formatNumber(after.counts[v])}`).join(' · ')}`)
  else if (!fix && off.some((c) => c.verdict !== 'partial'))
    write(
      out,
      `\nNext: kcs-trade verify --fix${report.countries.length < 5 ? ` --country ${report.countries.join(',')}` : ''} re-fetches them`,
    )
}

/** `2025-01..2025-03, 2025-07`: runs of consecutive months. */
function compactMonths(months: string[]): string {
  const parts: string[] = []
  let start = months[0]
  let prev = months[0]
  for (const m of [...months.slice(1), undefined]) {
    if (m !== undefined && prev !== undefined && monthIndex(m) === monthIndex(prev) + 1) {
      prev = m
      continue
    }
    if (start !== undefined) parts.push(start === prev ? start : `${start}..${prev}`)
    start = m
    prev = m
  }
  return parts.join(', ')
}
