/**
 * `createEmulator`: the HTTP server in front of the deterministic dataset, and the handle to control
 * it. The request pipeline is in `handler.ts`, the options in `options.ts`, the ground truth in `truth.ts`.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { formatDate } from './calendar.js'
import { Dataset } from './data.js'
import { socketBusy } from './deliver.js'
import { FaultController } from './faults.js'
import { createHandler } from './handler.js'
import { matchKey, normalizeKey, resolveApprovals } from './keys.js'
import { Limits, type QuotaState } from './limits.js'
import {
  assertNonNegativeInteger,
  assertPositiveInteger,
  assertRevision,
  currentToday,
  type EmulatorOptions,
  type LiveSettings,
  parseDateOrThrow,
  resolveOptions,
} from './options.js'
import { ResponsePlans } from './plans.js'
import { type DatasetName, OPERATION_PATHS, Siblings } from './siblings.js'
import { EmulatorStats } from './stats.js'
import { loadTables } from './tables.js'
import { answerSource, createTruth, type Truth } from './truth.js'
import { BufferPool, PROVIDER_MESSAGES } from './xml.js'

export type { QuotaState } from './limits.js'
export type { EmulatorOptions } from './options.js'
export type { Truth, TruthAnswer, TruthChange, TruthChangeFilter, TruthQuery } from './truth.js'

/** The nitemtrade operation (the siblings' paths are in `OPERATION_PATHS`). */
export const OPERATION_PATH = OPERATION_PATHS.nitemtrade
export { PROVIDER_MESSAGES }

/** A running emulator, as `createEmulator` returns it: its address, ground truth, fault and stats controls. */
export interface Emulator {
  /** Origin, e.g. `http://127.0.0.1:8787` (the client appends the operation path). */
  readonly url: string
  readonly port: number
  readonly host: string
  readonly truth: Truth
  readonly faults: FaultController
  readonly stats: EmulatorStats
  readonly revision: number
  readonly today: string
  /** Switches the data to another revision (an integer 1–1000; otherwise throws), as if KCS revised its figures. */
  setRevision(revision: number): void
  /** Fixes the data calendar's today (`YYYY-MM-DD`; otherwise throws), which decides which months are published. */
  setToday(date: string): void
  /** Changes the calls allowed per key per day (a non-negative integer; otherwise throws). */
  setDailyQuota(quota: number): void
  /** Changes the requests allowed per key per clock second before gateway code 23 (a positive integer; otherwise throws). */
  setRatePerSecond(rate: number): void
  /** Replaces the clock (epoch ms) used for quota days, per-second windows and, unless today is fixed, the data calendar. */
  setClock(now: () => number): void
  /** Quota state of a key for a dataset (default nitemtrade) on the clock's current day in Korea. */
  quota(key: string, dataset?: DatasetName): QuotaState
  /** Refuses connections for `ms` (closes and reopens the listener). */
  pause(ms: number): Promise<void>
  /** Stops listening and destroys open connections; resolves once closed. Calling it again does nothing. */
  close(): Promise<void>
}

/** Starts an emulator listening on `options.port` (0 = any free port). */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const settings = resolveOptions(options)
  const live: LiveSettings = {
    now: options.now ?? Date.now,
    today: settings.today,
    revision: settings.revision,
    dailyQuota: settings.dailyQuota,
    ratePerSecond: settings.ratePerSecond,
  }
  const today = () => currentToday(live)
  const dataset = new Dataset(loadTables(), {
    seed: settings.seed,
    firstMonth: settings.firstMonth,
    quirks: settings.quirks,
    release: settings.release,
    revisionAnchor: 0,
    totalsWeightDrift: settings.totalsWeightDrift,
    emptyAnswer: settings.emptyAnswer,
    rawItemNames: settings.rawItemNames,
  })
  dataset.options.revisionAnchor = settings.revisionAnchor ?? dataset.publication(today()).lastDetailMonth
  // The reference year (every partner's row count is fitted in it) and the newest published ones.
  const newest = Math.floor(dataset.publication(today()).lastDetailMonth / 12)
  dataset.warm([2025, newest, newest - 1])

  const keys = new Set(options.keys.map(normalizeKey))
  const siblings = new Siblings(dataset, () => live.revision, today)
  const faults = new FaultController(settings.seed, options.faults ?? {}, options.faultsByKey ?? {})
  const stats = new EmulatorStats()
  const limits = new Limits()
  const answerFor = answerSource(dataset, settings, () => live.revision, today)
  const truth = createTruth(dataset, siblings, answerFor, today)
  const handle = createHandler({
    settings,
    live,
    dataset,
    siblings,
    answerFor,
    keys,
    approvals: resolveApprovals(options.approvals, keys),
    faults,
    stats,
    limits,
    plans: new ResponsePlans(settings, () => faults.draw()),
    bufferPool: new BufferPool(),
  })

  const connections = new Set<Socket>()
  const servers = new Set<Server>()
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the emulator must be loud, but must not leak request details such as the key.
      console.error('kcs-emulator: internal error:', error instanceof Error ? error.message : error)
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end('emulator internal error')
      } else {
        res.destroy()
      }
    })
  }

  function newServer(): Server {
    const server = createServer({ keepAlive: true }, onRequest)
    // Longer than client pools keep idle sockets, so a reused socket is never closed under a request.
    server.keepAliveTimeout = settings.keepAliveTimeoutMs
    server.on('connection', (socket) => {
      connections.add(socket)
      socket.once('close', () => connections.delete(socket))
    })
    servers.add(server)
    server.once('close', () => servers.delete(server))
    return server
  }

  let current = newServer()
  current.listen(settings.port, settings.host)
  await once(current, 'listening')
  const port = (current.address() as AddressInfo).port
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  const url = `http://${hostForUrl}:${port}`
  let closed = false
  let reopenTimer: NodeJS.Timeout | undefined
  let reopenDone: (() => void) | undefined

  faults.refuser = async (ms: number) => {
    if (closed) throw new Error('the emulator is closed')
    if (!Number.isFinite(ms) || ms < 0) throw new Error('refuseFor: ms must be a non-negative number')
    const old = current
    old.close()
    old.closeIdleConnections()
    // Keep-alive sockets would otherwise carry requests straight through the "refused" period.
    for (const socket of connections) if (!socketBusy(socket)) socket.destroy()
    stats.fault('refuse')
    await new Promise<void>((resolve) => {
      reopenDone = resolve
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined
        reopenDone = undefined
        if (closed) return resolve()
        current = newServer()
        current.once('error', () => resolve())
        current.listen(port, settings.host, () => resolve())
      }, ms)
    })
  }

  const emulator: Emulator = {
    url,
    port,
    host: settings.host,
    truth,
    faults,
    stats,
    get revision() {
      return live.revision
    },
    get today() {
      return formatDate(today())
    },
    setRevision(n) {
      assertRevision(n)
      live.revision = n
    },
    setToday(date) {
      live.today = parseDateOrThrow(date)
    },
    setDailyQuota(n) {
      assertNonNegativeInteger(n, 'dailyQuota')
      live.dailyQuota = n
    },
    setRatePerSecond(n) {
      assertPositiveInteger(n, 'ratePerSecond')
      live.ratePerSecond = n
    },
    setClock(fn) {
      if (typeof fn !== 'function') throw new Error('setClock needs a function returning epoch ms')
      live.now = fn
    },
    quota(key, datasetName = 'nitemtrade') {
      return limits.quota(matchKey(key, keys), datasetName, live.now(), live.dailyQuota)
    },
    pause: (ms) => faults.refuseFor(ms),
    async close() {
      if (closed) return
      closed = true
      if (reopenTimer) clearTimeout(reopenTimer)
      reopenDone?.()
      const all = [...servers]
      for (const s of all) {
        s.close()
        s.closeAllConnections()
      }
      for (const socket of connections) socket.destroy()
      await Promise.all(all.map((s) => (s.listening ? once(s, 'close') : Promise.resolve())))
    },
  }
  return emulator
}
