import type { KcsDatabase } from '@kcs-trade/db'
import type { Queue } from 'bullmq'
import { redactKey, type WorkerConfig } from './config/env.js'
import type { QuotaGate } from './sync/limits.js'
import type { TotalsDataset } from './sync/slices.js'

/** What `status` prints and the dashboard shows. */
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
  /** The totals datasets' own daily quotas (counted apart at the portal), when Redis and the key are there. */
  datasetQuotas: Record<TotalsDataset, { used: number; limit: number; remaining: number }> | null
  /** Recent failed slices of every dataset (a totals slice's key starts with its dataset). */
  failures: Array<{ slice: string; error: string | null; code: string | null; at: string | null }>
  notes: string[]
}

/** Collect the status report (mirror coverage, queue, quota, recent failures) shown by `status` and `serve`. */
export async function collectStatus(
  cfg: WorkerConfig,
  db: KcsDatabase | undefined,
  queue: Queue | undefined,
  quota: QuotaGate | undefined,
  quotaFor?: (dataset: TotalsDataset) => QuotaGate,
): Promise<StatusReport> {
  const { coverage, ledger, redactUrl } = await import('@kcs-trade/db')
  const notes: string[] = []
  // /api/status serves these notes over HTTP: no password of a database or Redis URL in them.
  const databaseUrl = redactUrl(cfg.databaseUrl)
  const cov = db ? await coverage(db) : []
  const failed = db
    ? [
        ...(await ledger(db, { status: 'failed' })),
        ...(await ledger(db, { status: 'failed', dataset: 'nationtrade' })),
        ...(await ledger(db, { status: 'failed', dataset: 'newtrade' })),
      ]
    : []
  if (!db) notes.push(`no database at ${databaseUrl} yet (run a sync first)`)
  const counts = queue
    ? await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized')
    : null
  if (!queue) notes.push(`Redis unreachable at ${redactUrl(cfg.redisUrl)}: no queue counts`)
  const snap = quota ? await quota.snapshot() : null
  if (!quota) notes.push('KCS_SERVICE_KEY not set (or Redis down): quota unknown')
  let datasetQuotas: StatusReport['datasetQuotas'] = null
  if (quotaFor) {
    const [nation, totals] = await Promise.all([
      quotaFor('nationtrade').snapshot(),
      quotaFor('newtrade').snapshot(),
    ])
    const brief = (q: typeof nation) => ({ used: q.used, limit: q.limit, remaining: q.remaining })
    datasetQuotas = { nationtrade: brief(nation), newtrade: brief(totals) }
  }
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
    datasetQuotas,
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
