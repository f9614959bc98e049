import type { KcsDatabase } from '@kcs-trade/db'
import type { Queue } from 'bullmq'
import { parse } from '../cli/args.js'
import { type CliContext, config, json, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { systemClock } from '../config/clock.js'
import { keyFingerprint, type WorkerConfig } from '../config/env.js'
import { printable } from '../config/errors.js'
import { table } from '../export/format.js'
import { collectStatus } from '../status.js'
import { databaseExists } from '../sync/database.js'
import type { RedisQuota } from '../sync/limits.js'
import type { TotalsDataset } from '../sync/slices.js'
import { lazy } from './lazy.js'

async function withStatusSources<T>(
  cfg: WorkerConfig,
  ctx: CliContext,
  fn: (
    db: KcsDatabase | undefined,
    queue: Queue | undefined,
    quota: RedisQuota | undefined,
    quotaFor: ((dataset: TotalsDataset) => RedisQuota) | undefined,
  ) => Promise<T>,
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
  // Each totals dataset's own counter, as the workers keep it (`<fingerprint>:<dataset>`).
  const quotaFor =
    redis && cfg.serviceKey
      ? (dataset: TotalsDataset) =>
          new RedisQuota(
            redis,
            cfg.queuePrefix,
            `${keyFingerprint(cfg.serviceKey as string)}:${dataset}`,
            cfg.dailyQuota,
            ctx.clock ?? systemClock,
          )
      : undefined
  try {
    return await fn(db, queue as Queue | undefined, quota, quotaFor)
  } finally {
    await queue?.close()
    redis?.disconnect()
    await db?.close()
  }
}

/** `kcs-trade status`: the status report as text or JSON. */
export async function statusCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('status', argv, { json: { type: 'boolean' } })
  if (values.help) return help(ctx, 'status')
  const cfg = config(ctx)
  const report = await withStatusSources(cfg, ctx, (db, queue, quota, quotaFor) =>
    collectStatus(cfg, db, queue, quota, quotaFor),
  )
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
  for (const [dataset, q] of Object.entries(report.datasetQuotas ?? {}))
    if (q.used > 0) write(ctx.stdout, `quota ${dataset}: ${q.used}/${q.limit} used, ${q.remaining} left`)
  if (report.failures.length > 0) {
    write(ctx.stdout, '\nrecent failures:')
    for (const f of report.failures) write(ctx.stdout, `  ${f.slice} [${f.code ?? '?'}] ${f.error ?? ''}`)
  }
  for (const n of report.notes) write(ctx.stdout, `note: ${n}`)
  return 0
}
