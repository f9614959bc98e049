/**
 * `kcs-trade serve`: the ops endpoint (/healthz, /readyz, /metrics, /api/status) and the web
 * dashboard (/, /assets/*, /api/*) in one HTTP server.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { KcsDatabase } from '@kcs-trade/db'
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { type Clock, systemClock } from '../config/clock.js'
import { redactKey, type WorkerConfig } from '../config/env.js'
import type { Logger } from '../config/logger.js'
import { collectStatus, type StatusReport } from '../status.js'
import type { RedisQuota } from '../sync/limits.js'
import type { RedisMetrics } from '../sync/metrics.js'
import { redactRedisUrl } from '../sync/runtime.js'
import { describeSlice } from '../sync/slices.js'
import { loopbackHostHeader, SessionStore, tokenCheck } from './auth.js'
import {
  type ApiResult,
  BadRequest,
  coverageGrid,
  csvOf,
  type DashboardSources,
  latestRevisions,
  meta,
  QUEUE_STATES,
  quotaRate,
  search,
} from './dashboard/api.js'
import { items, partners, series } from './dashboard/trade.js'

/**
 * Where the dashboard's static files live (served as they are: no build step, no CDN): next to this
 * module in the sources; from a `dist/` build, the package's `src/dashboard/assets/`.
 */
export const ASSETS_DIR = [
  fileURLToPath(new URL('./dashboard/assets/', import.meta.url)),
  fileURLToPath(new URL('../../src/serve/dashboard/assets/', import.meta.url)),
].find((dir) => existsSync(join(dir, 'index.html')))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Everything the page loads comes from this server; the browser is told so, too. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/** A synced year inside the freshness window is stale when its last fetch is older than this (two daily runs). */
export const STALE_AFTER_HOURS = 48

export interface DashboardServerOptions {
  cfg: WorkerConfig
  db: KcsDatabase | undefined
  /**
   * Redis, its queue and its counters; all three `undefined` when Redis was not reachable at start
   * (the mirror views still work; /readyz answers 503 with `redis: false`, the quota view says why it
   * is empty).
   */
  redis: Redis | undefined
  queue: Queue | undefined
  quota: RedisQuota | undefined
  metrics: RedisMetrics | undefined
  registry: { contentType: string; metrics(): Promise<string> }
  token: string | undefined
  log: Logger
  clock?: Clock
  /**
   * Answer only requests whose Host header names a loopback address (421 otherwise): what `serve`
   * sets when it listens on loopback without a token, so a web page whose name is rebound to
   * 127.0.0.1 (DNS rebinding) cannot read the dashboard through the user's browser.
   */
  loopbackHostsOnly?: boolean
  /** How long a dashboard session (the cookie a `/?token=` visit sets) lasts; default 12 h. */
  sessionTtlMs?: number
}

interface DashboardData extends StatusReport {
  jobs: Array<{
    id: string
    name: string
    state: string
    slice: string
    attempts: number
    reason: string | null
    at: string
  }>
}

async function statusData(o: DashboardServerOptions): Promise<DashboardData> {
  try {
    return await statusFrom(o, o.queue, o.quota)
  } catch (error) {
    // Redis went away after serve started: the report without its queue and quota, and why (in one
    // note instead of the notes for a Redis that was never there).
    if (!o.redis || (await redisAnswers(o.redis))) throw error
    const report = await statusFrom(o, undefined, undefined)
    const notes = report.notes.filter(
      (n) => !n.startsWith('Redis unreachable at') && !(o.quota && n.startsWith('KCS_SERVICE_KEY not set')),
    )
    return { ...report, notes: [redisLostNote(o.cfg.redisUrl), ...notes] }
  }
}

/** Resolves true once the client is ready, false after `ms` without it. */
export function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady)
      resolve(false)
    }, ms)
    const onReady = () => {
      clearTimeout(timer)
      resolve(true)
    }
    redis.once('ready', onReady)
  })
}

/** Does Redis answer a ping now? */
export function redisAnswers(redis: Redis): Promise<boolean> {
  return redis.ping().then(
    () => true,
    () => false,
  )
}

async function statusFrom(
  o: DashboardServerOptions,
  queue: Queue | undefined,
  quota: RedisQuota | undefined,
): Promise<DashboardData> {
  const report = await collectStatus(o.cfg, o.db, queue, quota)
  const jobs = []
  // Without Redis there is no queue to list (collectStatus says so in its notes).
  for (const state of ['active', 'failed', 'delayed', 'waiting', 'completed'] as const) {
    if (!queue) break
    for (const job of await queue.getJobs([state], 0, 9, false)) {
      const data = job.data as { slice?: { country: string; from: string; to: string; hs?: string } }
      jobs.push({
        id: String(job.id),
        name: job.name,
        state,
        slice: data.slice ? describeSlice(data.slice) : '',
        attempts: job.attemptsMade,
        reason: job.failedReason ? redactKey(job.failedReason, o.cfg.serviceKey) : null,
        at: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp).toISOString(),
      })
    }
  }
  return { ...report, jobs }
}

function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>()
  if (!ASSETS_DIR)
    throw new Error('serve: the dashboard files (src/dashboard/assets/) are missing from the package')
  for (const name of readdirSync(ASSETS_DIR)) {
    const type = TYPES[extname(name)]
    if (type) assets.set(name, { type, body: readFileSync(join(ASSETS_DIR, name)) })
  }
  return assets
}

/** What the quota view, /api/quota and /api/status say when Redis stopped answering after serve started. */
export function redisLostNote(url: string): string {
  return `Redis at ${redactRedisUrl(url)} is not answering: no queue, quota or call-rate data until it is back (serve reconnects by itself)`
}

/** What the quota view and /api/quota say when serve started without Redis. */
export function redisUnreachableNote(url: string): string {
  return `Redis not reachable at ${redactRedisUrl(url)}: no queue, quota or call-rate data (start Redis, then restart kcs-trade serve)`
}

/** The HTTP server of `kcs-trade serve` (not listening yet). */
export function createDashboardServer(o: DashboardServerOptions): Server {
  const clock = o.clock ?? systemClock
  // Sessions live in this process only: a restart (or a new token, which needs one) ends them all.
  const sessions = new SessionStore(() => clock.now(), o.sessionTtlMs)
  const authorized = tokenCheck(o.token, sessions)
  const queue = o.queue
  const redis = o.redis
  const assets = loadAssets()
  const sources: DashboardSources = {
    db: o.db,
    quota: o.quota,
    metrics: o.metrics,
    queueCounts: queue ? () => queue.getJobCounts(...QUEUE_STATES) : undefined,
    redisNote: o.redis ? undefined : redisUnreachableNote(o.cfg.redisUrl),
    redisLostNote: o.redis ? redisLostNote(o.cfg.redisUrl) : undefined,
    redisAnswers: redis ? () => redisAnswers(redis) : undefined,
    clock,
    staleAfterHours: STALE_AFTER_HOURS,
  }
  const api: Record<string, (url: URL) => Promise<ApiResult>> = {
    '/api/meta': () => meta(sources),
    '/api/coverage': () => coverageGrid(sources),
    '/api/quota': () => quotaRate(sources),
    '/api/search': (url) => search(url),
    '/api/series': (url) => series(sources, url),
    '/api/top-partners': (url) => partners(sources, url),
    '/api/top-items': (url) => items(sources, url),
    '/api/revisions': (url) => latestRevisions(sources, url),
    '/api/completeness': (url) =>
      import('./dashboard/completeness.js').then((m) => m.completeness(sources, url)),
  }
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const send = (
      status: number,
      type: string,
      body: string | Buffer,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        ...headers,
      })
      res.end(typeof body === 'string' ? redactKey(body, o.cfg.serviceKey) : body)
    }
    const sendJson = (status: number, value: unknown) =>
      send(status, 'application/json', JSON.stringify(value))
    if (url.pathname === '/healthz') return send(200, 'text/plain', 'ok\n')
    if (o.loopbackHostsOnly && !loopbackHostHeader(req.headers.host))
      return send(
        421,
        'text/plain',
        'misdirected request: this dashboard answers only for localhost, 127.0.0.1 or [::1]\n',
      )
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(405, 'text/plain', 'method not allowed: the dashboard is read-only\n', {
        allow: 'GET, HEAD',
      })
    if (!authorized(req, url)) {
      res.setHeader('www-authenticate', 'Bearer realm="kcs-trade"')
      return send(
        401,
        'text/plain',
        'unauthorized: send "Authorization: Bearer <token>" or open /?token=<token> once\n',
      )
    }
    if (url.pathname === '/' && o.token !== undefined && url.searchParams.has('token')) {
      // The page was opened with ?token=: keep a session cookie and drop the token from the address bar.
      return send(303, 'text/plain', 'see /\n', { location: '/', 'set-cookie': sessions.create().cookie })
    }
    if (url.pathname === '/readyz') {
      const redisOk = o.redis ? await redisAnswers(o.redis) : false
      const dbOk = o.db
        ? await (o.db.$client as unknown as { query(q: string): Promise<unknown> }).query('select 1').then(
            () => true,
            () => false,
          )
        : false
      return sendJson(redisOk && dbOk ? 200 : 503, { redis: redisOk, database: dbOk })
    }
    if (url.pathname === '/metrics') return send(200, o.registry.contentType, await o.registry.metrics())
    if (url.pathname === '/api/status') return sendJson(200, await statusData(o))
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const page = assets.get('index.html')
      if (page) return send(200, page.type, page.body, { 'content-security-policy': CSP })
    }
    if (url.pathname.startsWith('/assets/')) {
      const asset = assets.get(url.pathname.slice('/assets/'.length))
      if (asset) return send(200, asset.type, asset.body, { 'content-security-policy': CSP })
    }
    const endpoint = api[url.pathname]
    if (endpoint) {
      const format = url.searchParams.get('format') ?? 'json'
      if (format !== 'json' && format !== 'csv')
        return sendJson(400, {
          error: `format: ${JSON.stringify(format)}`,
          hint: 'format=json (default) or format=csv',
        })
      const result = await endpoint(url)
      if (format === 'csv') {
        const csv = csvOf(result)
        if (!csv) return sendJson(400, { error: `${url.pathname} has no CSV form`, hint: 'drop format=csv' })
        return send(200, 'text/csv; charset=utf-8', csv.text, {
          'content-disposition': `attachment; filename="${csv.filename}"`,
        })
      }
      return sendJson(200, result.json)
    }
    return send(404, 'text/plain', 'not found\n')
  }
  return createServer((req, res) => {
    let url: URL
    try {
      // Node's parser lets through targets such as `//` or `//:99999`, which URL refuses.
      url = new URL(req.url ?? '/', 'http://x')
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
      res.end('bad request target\n')
      return
    }
    handle(req, res, url).catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      const status =
        error instanceof BadRequest || (error as { code?: string }).code === 'INVALID_QUERY' ? 400 : 500
      const message = redactKey((error as Error).message ?? String(error), o.cfg.serviceKey)
      if (status === 500) o.log.error({ err: message, path: url.pathname }, 'serve: request failed')
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(
        JSON.stringify(
          status === 400
            ? { error: message, hint: (error as { hint?: string }).hint ?? 'check the query parameters' }
            : { error: 'internal error', hint: 'see the serve log' },
        ),
      )
    })
  })
}
