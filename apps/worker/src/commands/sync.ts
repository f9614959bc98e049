import { parse, parsePositiveInt } from '../cli/args.js'
import { type CliContext, config, json, logger, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { systemClock } from '../config/clock.js'
import { requireServiceKey } from '../config/env.js'
import { UsageError } from '../config/errors.js'
import { formatNumber } from '../export/format.js'
import { createProgress, formatSeconds } from '../export/progress.js'
import type { EngineDeps } from '../sync/deps.js'
import type { SyncSummary } from '../sync/inline.js'
import type { Plan } from '../sync/plan.js'
import { describeSlice } from '../sync/slices.js'
import { lazy } from './lazy.js'
import { PLAN_FLAGS, planInput } from './plan.js'

/** Print the summary of an inline sync. */
export function printSummary(ctx: CliContext, s: SyncSummary): void {
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

/** Run slices inline with a progress line on stderr. */
export async function runInlineWithProgress(
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

/** `kcs-trade sync`: enqueue a backfill, or run it inline with `--inline`. */
export async function syncCommand(ctx: CliContext, argv: string[]): Promise<number> {
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
