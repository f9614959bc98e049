// One benchmark worker process: the production BullMQ worker with the rate limit off (emulator only), reporting its
// peak memory when told to stop. Not a CLI mode on purpose: the real worker never runs without the per-second limit.
// BENCH_WORKER_CODE=dist (default) runs the built code with plain node, as `kcs-trade worker` runs in production (build
// first); =src runs the sources, started with `node --conditions=@kcs-trade/source --import tsx` (tsx's loader thread
// and transform caches add ~80 MB of RSS that production does not have).
import { Writable } from 'node:stream'

const root = process.env.BENCH_WORKER_CODE === 'src' ? '../src' : '../dist'
const load = (path) => import(new URL(`${root}/${path}`, import.meta.url).href)
const { createLogger } = await load('config/logger.js')
const { createClientFetcher, createDbStore, openDatabase } = await load('sync/engine.js')
const { MemoryQuota, unlimitedRate } = await load('sync/limits.js')
const { MemoryMetrics } = await load('sync/metrics.js')
const { createSyncWorker } = await load('sync/queue.js')
const { createRedis } = await load('sync/runtime.js')

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
