import { parse } from '../cli/args.js'
import { type CliContext, json, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { loadConfig } from '../config/env.js'
import { printable, quoted, UsageError } from '../config/errors.js'
import { lazy } from './lazy.js'

/** `kcs-trade schedule`: register the freshness job. */
export async function scheduleCommand(ctx: CliContext, argv: string[]): Promise<number> {
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
