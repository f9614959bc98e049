import { type ChildProcess, spawn } from 'node:child_process'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createKcsClient } from './client.js'
import { KcsTimeoutError } from './errors.js'
import { dataItem, itemXml, successXml, totalsItem } from './test-utils/fixtures.js'
import { TestServer } from './test-utils/server.js'

/**
 * Issue 14 item 2: `timeoutMs` bounds the whole call, headers and body, whatever the garbage
 * collector does. On Node 20, `fetch(new Request(url, { signal }))` stops honouring the signal once
 * the `Request` has been collected; the client's own deadline must end the call anyway.
 *
 * The calls run in a child `node --expose-gc` that collects every 100 ms (gc-call.ts); this process
 * serves the hostile bodies. A watchdog (WATCHDOG_MS after the child says it is calling, far above
 * the 1–2 s deadlines) turns a hang into a failure instead of a stalled run.
 */

const CHILD = fileURLToPath(new URL('./test-utils/gc-call.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))
const WATCHDOG_MS = 15_000
const HEADER_00 =
  '<?xml version="1.0" encoding="UTF-8"?><response><header><resultCode>00</resultCode>' +
  '<resultMsg>OK</resultMsg></header><body><items>'

const ROWS = Array.from({ length: 60 }, (_, i) => ({
  year: '2025.01',
  statCd: 'US',
  statCdCntnKor1: '미국',
  hsCd: `02023000${String(i).padStart(2, '0')}`,
  statKor: '기타',
  expWgt: i,
  expDlr: i,
  impWgt: 0,
  impDlr: 0,
}))
/** A valid envelope of ~20 KB: at one byte every 50 ms it would take ~17 minutes. */
const ENVELOPE = successXml([totalsItem(ROWS), ...ROWS.map(dataItem)])

let server: TestServer
/** Connections the server saw end (the client freed them, or the server ended them). */
let closed = 0
let onClose: (() => void) | undefined
const children: ChildProcess[] = []
beforeAll(async () => {
  server = await new TestServer().start()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(() => {
  server.reset()
  closed = 0
})
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
})

function track(res: ServerResponse): void {
  res.on('close', () => {
    closed++
    onClose?.()
  })
}

/** The valid envelope, one byte every 50 ms. */
function trickle(_req: IncomingMessage, res: ServerResponse): void {
  track(res)
  res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
  let i = 0
  const timer = setInterval(() => {
    if (i < ENVELOPE.length) res.write(ENVELOPE[i++]!)
    else res.end()
  }, 50)
  res.on('close', () => clearInterval(timer))
}

/**
 * A gzip body that never ends and expands ~100× on the client: gzip members (each a few hundred
 * rows) written back to back, as fast as the socket takes them.
 */
const ROW_BLOCK = Buffer.from(itemXml(dataItem(ROWS[1]!)).repeat(2000))
const GZ_HEAD = gzipSync(Buffer.from(HEADER_00))
const GZ_BLOCK = gzipSync(ROW_BLOCK)
function endlessGzip(_req: IncomingMessage, res: ServerResponse): void {
  track(res)
  res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8', 'content-encoding': 'gzip' })
  res.write(GZ_HEAD)
  const pump = () => {
    while (!res.destroyed) {
      if (!res.write(GZ_BLOCK)) {
        res.once('drain', pump)
        return
      }
    }
  }
  res.on('close', () => res.removeAllListeners('drain'))
  pump()
}

interface Outcome {
  outcome: 'rows' | 'error'
  name?: string
  kcs?: boolean
  message?: string
  ms: number
}

/** Runs gc-call.ts; resolves with its outcome, or rejects when it is still running WATCHDOG_MS after calling. */
function callInChild(mode: 'promise' | 'stream', timeoutMs: number): Promise<Outcome> {
  const proc = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--conditions=@kcs-trade/source',
      '--import',
      'tsx',
      CHILD,
      server.origin,
      mode,
      String(timeoutMs),
    ],
    { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(proc)
  let stdout = ''
  let stderr = ''
  proc.stderr?.on('data', (d) => {
    stderr += d
  })
  return new Promise<Outcome>((resolve, reject) => {
    let watchdog: ReturnType<typeof setTimeout> | undefined
    proc.stdout?.on('data', (d) => {
      stdout += d
      const lines = stdout.split('\n')
      if (watchdog === undefined && lines.includes('calling')) {
        watchdog = setTimeout(() => {
          proc.kill('SIGKILL')
          reject(
            new Error(
              `the call was still running ${WATCHDOG_MS} ms after it started (timeoutMs ${timeoutMs}): the deadline did not hold`,
            ),
          )
        }, WATCHDOG_MS)
      }
      const result = lines.find((l) => l.startsWith('{'))
      if (result) {
        clearTimeout(watchdog)
        resolve(JSON.parse(result) as Outcome)
      }
    })
    proc.on('close', (code) => {
      clearTimeout(watchdog)
      reject(new Error(`child exited (${code}) without an outcome; stdout: ${stdout} stderr: ${stderr}`))
    })
  })
}

/** Waits until the server has seen `n` connections end (the client freed the one it timed out on). */
function connectionsClosed(n: number): Promise<void> {
  return new Promise((resolve) => {
    onClose = () => {
      if (closed >= n) resolve()
    }
    onClose()
  })
}

describe('timeoutMs holds under forced garbage collection (child node --expose-gc)', () => {
  for (const mode of ['promise', 'stream'] as const) {
    it(`${mode} API: a valid envelope at one byte every 50 ms ends in KcsTimeoutError`, async () => {
      server.handler = trickle
      const result = await callInChild(mode, 2000)
      expect(result, JSON.stringify(result)).toMatchObject({ outcome: 'error', name: 'KcsTimeoutError' })
      await connectionsClosed(1)
    }, 90_000)

    it(`${mode} API: an endless gzip body is cut at the deadline, not at maxBodyBytes`, async () => {
      server.handler = endlessGzip
      const result = await callInChild(mode, 1000)
      expect(result, JSON.stringify(result)).toMatchObject({ outcome: 'error', name: 'KcsTimeoutError' })
      await connectionsClosed(1)
    }, 90_000)
  }
})

describe('the deadline in this process', () => {
  it('a fast endless gzip body: KcsTimeoutError, the connection is freed', async () => {
    server.handler = endlessGzip
    const client = createKcsClient({ serviceKey: 'k', baseUrl: server.origin, timeoutMs: 300, retry: 0 })
    const error = await client.tradeByItemCountry({ from: '2025-01', to: '2025-01', country: 'US' }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KcsTimeoutError)
    await connectionsClosed(1)
  }, 30_000)

  it('the stream API: the clock stops while the consumer holds a batch', async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml;charset=UTF-8' })
      res.end(ENVELOPE)
    }
    const client = createKcsClient({ serviceKey: 'k', baseUrl: server.origin, timeoutMs: 1000, retry: 0 })
    const stream = client.streamTradeByItemCountry({ from: '2025-01', to: '2025-01', country: 'US' })
    let rows = 0
    for await (const _ of stream) {
      // A slow consumer (longer than timeoutMs) does not make the server late.
      if (rows++ === 0) await new Promise((resolve) => setTimeout(resolve, 1500))
    }
    expect(rows).toBe(ROWS.length)
    expect(stream.summary?.meta.rowCount).toBe(ROWS.length)
  }, 30_000)
})
