import type { Queue } from 'bullmq'
import { parse } from '../cli/args.js'
import { type CliContext, logger, write } from '../cli/context.js'
import { HELP } from '../cli/help.js'
import { systemClock } from '../config/clock.js'
import { keyFingerprint, loadConfig } from '../config/env.js'
import { printable, quoted, UsageError } from '../config/errors.js'
import { untilAborted } from '../config/shutdown.js'
import { isLoopbackHost } from '../serve/auth.js'
import { checkHost, listenError } from '../serve/listen.js'
import { createDashboardServer, readyWithin, redisAnswers } from '../serve/server.js'
import { databaseExists } from '../sync/database.js'
import { redactRedisUrl } from '../sync/runtime.js'

/** `kcs-trade serve`: parses flags, opens Redis and the database, listens until shutdown. */
export async function serveCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    'allow-public': { type: 'boolean' },
  })
  if (values.help) {
    write(ctx.stdout, HELP.serve)
    return 0
  }
  const { openDatabase } = await import('../sync/engine.js')
  const { RedisQuota } = await import('../sync/limits.js')
  const { RedisMetrics, createPrometheusRegistry } = await import('../sync/metrics.js')
  const { createQueue } = await import('../sync/queue.js')
  const { createRedis, pingRedis } = await import('../sync/runtime.js')
  // Digits only: Number('') is 0 (any free port) and Number('0x10') is 16.
  const port =
    values.port === undefined ? 9464 : /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(
      `serve: --port must be 0–65535, got ${JSON.stringify(values.port)}`,
      'default 9464; 0 picks a free port',
    )
  const host = values.host ?? '127.0.0.1'
  if (host.trim() === '') throw new UsageError('serve: --host is empty', 'default 127.0.0.1')
  checkHost(host)
  if (!isLoopbackHost(host) && values['allow-public'] !== true)
    throw new UsageError(
      `serve: refusing to listen on ${quoted(host)}, which is not a loopback address`,
      'the dashboard shows the queue and the ledger: pass --allow-public to expose it, ideally with --token (or KCS_SERVE_TOKEN)',
    )
  const token = values.token ?? ctx.env.KCS_SERVE_TOKEN
  if (token !== undefined && token.trim().length < 8)
    throw new UsageError(
      `serve: the token (--token or KCS_SERVE_TOKEN) must be at least 8 characters, got ${token.trim().length}`,
      'e.g. KCS_SERVE_TOKEN=$(openssl rand -hex 24)',
    )
  const cfg = loadConfig(ctx.env)
  const log = logger(ctx, cfg)
  if (!isLoopbackHost(host) && token === undefined)
    write(
      ctx.stderr,
      `kcs-trade serve: warning: ${printable(host)} is public and no token is set (--token or KCS_SERVE_TOKEN)`,
    )
  const clock = ctx.clock ?? systemClock
  // Redis is checked once: without it the mirror views (coverage, trade, revisions) still work, e.g.
  // over the PGlite database of `kcs-trade demo`. No client is created then (ioredis would retry and
  // log forever); restarting serve picks Redis up.
  // Fail fast: while Redis is away (or restarting) a dashboard read fails at once and the page says
  // so, instead of waiting in ioredis's offline queue; the client reconnects by itself. A Redis that
  // answered the ping but whose client is not ready within 5 s counts as unreachable (BullMQ's queue
  // would otherwise wait for it on every read).
  let closing = false
  let redis = (await pingRedis(cfg.redisUrl)) ? createRedis(cfg.redisUrl, { failFast: true }) : undefined
  if (redis && !(await readyWithin(redis, 5_000))) {
    redis.disconnect()
    redis = undefined
  }
  if (!redis) {
    log.debug({ redis: redactRedisUrl(cfg.redisUrl) }, 'redis unreachable: serving the mirror views only')
    write(
      ctx.stderr,
      `kcs-trade serve: Redis not reachable at ${redactRedisUrl(cfg.redisUrl)}: queue, quota and rate views are empty (the mirror views work; restart serve once Redis is up)`,
    )
  } else {
    let lost = false
    redis.on('close', () => {
      // serve closing the connection itself (stopped, or it could not start) is no lost connection.
      if (lost || ctx.shutdown.aborted || closing) return
      lost = true
      log.warn(
        { redis: redactRedisUrl(cfg.redisUrl) },
        'Redis connection lost: the queue and quota views are empty until it is back (reconnecting)',
      )
    })
    redis.on('ready', () => {
      if (!lost) return
      lost = false
      log.info({ redis: redactRedisUrl(cfg.redisUrl) }, 'Redis is back')
    })
  }
  const queue = redis ? (createQueue(redis, cfg.queuePrefix) as unknown as Queue) : undefined
  // A database that cannot be opened leaves the mirror views empty, but a PGlite directory another process owns
  // must stop serve: opening it anyway is what destroys an embedded mirror.
  const db = databaseExists(cfg.databaseUrl)
    ? await openDatabase(cfg.databaseUrl).catch((error: unknown) => {
        if ((error as { code?: unknown } | null)?.code !== 'DATABASE_LOCKED') return undefined
        closing = true
        redis?.disconnect()
        throw error
      })
    : undefined
  const quota =
    redis && cfg.serviceKey
      ? new RedisQuota(redis, cfg.queuePrefix, keyFingerprint(cfg.serviceKey), cfg.dailyQuota, clock)
      : undefined
  const metrics = redis ? new RedisMetrics(redis, cfg.queuePrefix, clock) : undefined
  // Without Redis, /metrics has the process metrics only.
  const registry = createPrometheusRegistry({
    redisUp: async () => (redis ? redisAnswers(redis) : false),
    ...(metrics ? { metrics } : {}),
    ...(quota ? { quota } : {}),
    ...(queue
      ? {
          queueCounts: () =>
            queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'),
        }
      : {}),
  })
  try {
    const server = createDashboardServer({
      cfg,
      db,
      redis,
      queue,
      quota,
      metrics,
      registry,
      token: token?.trim(),
      log,
      clock,
      loopbackHostsOnly: isLoopbackHost(host) && token === undefined,
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, port)))
      server.listen(port, host, () => resolve())
    })
    const address = server.address()
    const actual = typeof address === 'object' && address ? address.port : port
    log.info({ url: `http://${host}:${actual}/` }, 'serving /healthz /readyz /metrics and the dashboard')
    write(ctx.stderr, `kcs-trade serve: http://${host}:${actual}/ (dashboard), /metrics, /healthz, /readyz`)
    await untilAborted(ctx.shutdown)
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections?.()
    })
  } finally {
    closing = true
    await queue?.close()
    redis?.disconnect()
    await db?.close()
  }
  return 0
}
