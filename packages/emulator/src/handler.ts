/**
 * One HTTP request through the live service's layers, in their order: the firewall, the gateway
 * (path, faults, key, per-second limit, daily quota, `_type=json`), then the provider (validation
 * and the answer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Answer, DataQuery, Dataset } from './data.js'
import { type Delivery, deliver, type ResponsePlan, resetSocket } from './deliver.js'
import type { FaultController } from './faults.js'
import { matchKey, rawServiceKey } from './keys.js'
import type { Limits } from './limits.js'
import type { LiveSettings, ResolvedOptions } from './options.js'
import type { ResponsePlans } from './plans.js'
import { type DatasetName, datasetAt, type Siblings } from './siblings.js'
import { type EmulatorStats, NO_KEY, UNREGISTERED_KEY } from './stats.js'
import { checkWindow, HS_PREFIX } from './window.js'
import {
  type BufferPool,
  type GatewayLayout,
  gatewayJson,
  JSON_CONTENT_TYPE,
  PROVIDER_MESSAGES,
  providerErrorXml,
  SERVICE_KEY_IS_NULL,
  successChunks,
  XML_CONTENT_TYPE,
} from './xml.js'

/** What the handler serves from and counts in. */
export interface HandlerContext {
  settings: ResolvedOptions
  live: LiveSettings
  dataset: Dataset
  siblings: Siblings
  answerFor: (query: DataQuery) => Answer
  keys: ReadonlySet<string>
  approvals: ReadonlyMap<string, ReadonlySet<DatasetName>>
  faults: FaultController
  stats: EmulatorStats
  limits: Limits
  plans: ResponsePlans
  bufferPool: BufferPool
}

type Validated = { ok: true; query: DataQuery } | { ok: false; message: string }

/** The request handler of the emulator's HTTP server. */
export function createHandler(
  ctx: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { settings, live, dataset, siblings, keys, approvals, faults, stats, limits, plans, bufferPool } = ctx

  function validate(params: URLSearchParams): Validated {
    const window = checkWindow(params)
    if (!window.ok) return window
    const { from, to } = window
    const hs = params.get('hsSgn') ?? ''
    const cnty = params.get('cntyCd') ?? ''
    if (hs === '' && cnty === '') return { ok: false, message: PROVIDER_MESSAGES.filterRequired }
    if (hs !== '' && !HS_PREFIX.test(hs)) {
      return { ok: false, message: PROVIDER_MESSAGES.badHsLength }
    }
    let country: number | undefined
    if (cnty !== '') {
      country = dataset.countryIndex(cnty)
      if (country === undefined) return { ok: false, message: PROVIDER_MESSAGES.unknownCountry }
    }
    return { ok: true, query: { country, from, to, prefix: hs } }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = live.now()
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q)
    const search = q < 0 ? '' : rawUrl.slice(q + 1)
    const params = new URLSearchParams(search)
    const rawKey = rawServiceKey(search)
    const key = rawKey === undefined || rawKey === '' ? undefined : matchKey(rawKey, keys)
    const label = rawKey === undefined || rawKey === '' ? NO_KEY : (key ?? UNREGISTERED_KEY)
    stats.arrive(label, at)

    const finish = (outcome: string, plan: ResponsePlan, delivery: Delivery = {}) => {
      stats.outcome(label, outcome)
      return deliver(res, plan, delivery, stats)
    }

    // The firewall answers before the gateway looks at anything else.
    for (let i = 1; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.includes('environment='))
        return finish('gateway-10', plans.gatewayJson('10', 400))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return finish('method-not-allowed', {
        status: 405,
        headers: { 'Content-Type': 'text/plain', Allow: 'GET' },
        chunks: ['Method Not Allowed'],
      })
    }
    const datasetName = datasetAt(path)
    if (datasetName === undefined)
      return finish('gateway-12', plans.gateway('12', 400, settings.gatewayLayout))

    let delivery: Delivery = {}
    const fault = faults.pick(key ?? rawKey)
    if (fault) {
      stats.fault(fault.kind)
      if (fault.kind === 'reset') {
        stats.outcome(label, 'fault-reset')
        resetSocket(req.socket)
        return
      }
      if (fault.kind === 'hang') {
        stats.outcome(label, 'fault-hang')
        if (fault.delayMs !== undefined) setTimeout(() => req.socket.destroy(), fault.delayMs).unref()
        return
      }
      const plan = plans.fault(fault)
      if (plan) return finish(`fault-${fault.kind}`, plan)
      if (fault.kind === 'slow') {
        delivery = { delayMs: fault.delayMs ?? 1500 }
        if (fault.bytesPerSecond !== undefined) delivery.bytesPerSecond = fault.bytesPerSecond
      } else if (fault.kind === 'truncate') {
        delivery = {
          truncateAt: fault.afterBytes ?? 200 + Math.floor(faults.draw() * 16_000),
          truncateMode: fault.mode ?? 'end',
        }
      }
    }
    const outcomeOf = (o: string) => (delivery.truncateAt !== undefined ? 'fault-truncate' : o)

    // `_type=json` is refused (04) only after the key, per-second and quota checks: the measured 04
    // carries X-RateLimit-* headers and uses the quota, so the gateway counted the call first. A
    // missing or unknown key with `_type=json` gets 401/20 or 403/30 as JSON (plausible, not measured).
    const wantsJson = params.get('_type')?.toLowerCase() === 'json'
    const gateway = (code: string, status: number, layout: GatewayLayout, token?: string) =>
      wantsJson ? plans.gatewayJson(code, status, layout, token) : plans.gateway(code, status, layout, token)
    if (label === NO_KEY) {
      return finish(
        outcomeOf('gateway-20'),
        gateway(
          '20',
          401,
          settings.gatewayLayout,
          settings.missingKeyToken === 'SERVICE_KEY_IS_NULL' ? SERVICE_KEY_IS_NULL : undefined,
        ),
        delivery,
      )
    }
    // A key not approved for this dataset is refused exactly like an unknown one (measured: 403/30).
    if (key === undefined || !(approvals.get(key)?.has(datasetName) ?? true))
      return finish(outcomeOf('gateway-30'), gateway('30', 403, settings.gatewayLayout), delivery)

    if (limits.overRate(key, at, live.ratePerSecond)) {
      return finish(
        outcomeOf('gateway-23'),
        gateway('23', settings.rateLimitStatus, settings.rateLimitLayout),
        delivery,
      )
    }
    const remaining = limits.take(key, datasetName, at, live.dailyQuota)
    if (remaining === undefined) {
      return finish(
        outcomeOf('gateway-22'),
        gateway('22', settings.quotaStatus, settings.quotaLayout),
        delivery,
      )
    }
    const rateHeaders = {
      'X-RateLimit-Limit': live.dailyQuota,
      'X-RateLimit-Remaining': remaining,
    }
    if (wantsJson) {
      return finish(
        outcomeOf('gateway-04'),
        {
          status: 200,
          headers: { 'Content-Type': JSON_CONTENT_TYPE, ...rateHeaders },
          chunks: [gatewayJson('04', settings.gatewayLayout)],
        },
        delivery,
      )
    }

    const v = datasetName === 'nitemtrade' ? validate(params) : siblings.validate(datasetName, params)
    if (!v.ok) {
      return finish(
        outcomeOf('provider-99'),
        {
          status: 200,
          headers: { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders },
          chunks: [providerErrorXml('99', v.message, plans.providerBody(v.message))],
        },
        delivery,
      )
    }
    if ('dataset' in v.query) {
      const { outcome, rows, chunks } = siblings.serve(v.query)
      const headers = { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders }
      return finish(outcomeOf(outcome), { status: 200, headers, chunks, rows }, delivery)
    }
    const answer = ctx.answerFor(v.query)
    const outcome = answer.kind === 'rows' ? 'ok' : answer.kind === 'totals-only' ? 'totals-only' : 'empty'
    return finish(
      outcomeOf(outcome),
      {
        status: 200,
        headers: { 'Content-Type': XML_CONTENT_TYPE, ...rateHeaders },
        chunks: successChunks(answer.totals, answer.rows, dataset.countries, settings.chunkBytes, bufferPool),
        pool: bufferPool,
        rows: answer.rows.length,
      },
      delivery,
    )
  }
}
