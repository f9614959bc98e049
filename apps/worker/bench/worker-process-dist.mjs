// bench/worker-process.ts on the built code (dist/, as `kcs-trade worker` runs in production), without tsx: tsx's
// loader thread and transform caches add ~80 MB of RSS to a process that does not have them in production. Build
// first (bench:full does: `pnpm turbo run build --filter=@kcs-trade/worker...`). Reports its peak memory on SIGTERM.
import { Writable } from 'node:stream'
import { createLogger } from '../dist/config/logger.js'
import { createClientFetcher, createDbStore, openDatabase } from '../dist/sync/engine.js'
import { MemoryQuota, unlimitedRate } from '../dist/sync/limits.js'
import { MemoryMetrics } from '../dist/sync/metrics.js'
import { createSyncWorker } from '../dist/sync/queue.js'
import { createRedis } from '../dist/sync/runtime.js'

const {
  KCS_SERVICE_KEY: key = '',
  KCS_BASE_URL: baseUrl = '',
  DATABASE_URL: dbUrl = '',
  REDIS_URL: redisUrl = '',
  KCS_QUEUE_PREFIX: prefix = '',
} = process.env
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 2)
let peakRss = process.memoryUsage().rss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 50)
const db = await openDatabase(dbUrl)
const redis = createRedis(redisUrl)
const rate = unlimitedRate
const worker = createSyncWorker({
  connection: redis,
  prefix,
  concurrency,
  deps: {
    fetcher: createClientFetcher({ serviceKey: key, baseUrl, rate }),
    store: createDbStore(db, key),
    quota: new MemoryQuota(1_000_000),
    rate,
    metrics: new MemoryMetrics(),
    logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
  },
  freshnessSlices: async () => [],
})
await worker.waitUntilReady()
process.stdout.write('ready\n')
process.once('SIGTERM', async () => {
  await worker.close()
  clearInterval(sampler)
  redis.disconnect()
  await db.close()
  process.stdout.write(`${JSON.stringify({ peakRssMb: Math.round(peakRss / 1048576) })}\n`)
  process.exit(0)
})
