/**
 * Serving rate of the US full-year answer (hsSgn omitted, ~77,000 rows, ~21 MB) over loopback.
 *
 *   pnpm --filter @kcs-trade/emulator bench
 *
 * The emulator runs in a child process; this process reads the body with node:http and counts bytes.
 * Baselines measured in the same run on the same bytes: a plain indexOf scan, and the client's
 * streaming parse when `@kcs-trade/client` is available.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'

const RUNS = 7
const QUERY =
  '/1220000/nitemtrade/getNitemtradeList?serviceKey=bench-key&strtYymm=202501&endYymm=202512&cntyCd=US'

interface Fetched {
  ttfbMs: number
  totalMs: number
  bytes: number
  body: Buffer
}

function fetchOnce(url: string, keep: boolean): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    let ttfb = 0
    let bytes = 0
    const parts: Buffer[] = []
    const req = request(`${url}${QUERY}`, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - started
        bytes += chunk.length
        if (keep) parts.push(chunk)
      })
      res.on('end', () =>
        resolve({ ttfbMs: ttfb, totalMs: performance.now() - started, bytes, body: Buffer.concat(parts) }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

function countItems(body: Buffer): number {
  const needle = Buffer.from('</item>')
  let n = 0
  let at = body.indexOf(needle)
  while (at >= 0) {
    n++
    at = body.indexOf(needle, at + needle.length)
  }
  return n
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve(undefined as T)
    child.once('message', (m) => resolve(m as T))
    child.send(msg)
  })
}

/** The client's streaming parse of the same body, if the client package exposes one. */
async function clientParseRate(
  body: Buffer,
  rows: number,
): Promise<{ mbps: number; rowsPerSec: number } | string> {
  let client: Record<string, unknown>
  try {
    client = (await import('@kcs-trade/client')) as Record<string, unknown>
  } catch (error) {
    return `client not importable (${(error as Error).message.split('\n')[0]})`
  }
  const create = client.createKcsClient as
    | ((o: Record<string, unknown>) => {
        streamTradeByItemCountry(q: Record<string, unknown>): AsyncIterable<unknown>
      })
    | undefined
  if (typeof create !== 'function') return 'client has no createKcsClient yet'
  // Feed the captured body through the client's own fetch path, so its real streaming parser runs.
  const fakeFetch = async () =>
    new Response(
      new ReadableStream({
        start(controller) {
          for (let off = 0; off < body.length; off += 64 * 1024)
            controller.enqueue(body.subarray(off, off + 64 * 1024))
          controller.close()
        },
      }),
      { status: 200, headers: { 'Content-Type': 'application/xml' } },
    )
  const kcs = create({ serviceKey: 'bench-key', baseUrl: 'http://127.0.0.1:1', fetch: fakeFetch })
  const started = performance.now()
  let n = 0
  for await (const _ of kcs.streamTradeByItemCountry({ from: '2025-01', to: '2025-12', country: 'US' })) n++
  const secs = (performance.now() - started) / 1000
  if (n !== rows) return `client yielded ${n} rows, expected ${rows}`
  return { mbps: body.length / 1e6 / secs, rowsPerSec: n / secs }
}

interface Measured {
  cold: Fetched
  rows: number
  totalMs: number
  bestMs: number
  ttfbMs: number
  memory: { baseRss: number; peakRss: number }
}

/** Starts the emulator in a child process and times RUNS requests of the US full year. */
async function measure(answerCache: number): Promise<Measured> {
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--conditions=@kcs-trade/source'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ANSWER_CACHE: String(answerCache) },
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString()
        const nl = text.indexOf('\n')
        if (nl >= 0) resolve((JSON.parse(text.slice(0, nl)) as { url: string }).url)
      })
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    })
    const cold = await fetchOnce(url, true)
    const rows = countItems(cold.body) - 1
    const runs: Fetched[] = []
    for (let i = 0; i < RUNS; i++) runs.push(await fetchOnce(url, false))
    const memory = await ask<{ baseRss: number; peakRss: number }>(child, 'memory')
    return {
      cold,
      rows,
      totalMs: median(runs.map((r) => r.totalMs)),
      bestMs: Math.min(...runs.map((r) => r.totalMs)),
      ttfbMs: median(runs.map((r) => r.ttfbMs)),
      memory,
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.send('stop')
    await exited
  }
}

async function main(): Promise<void> {
  const fresh = await measure(0)
  const cached = await measure(4)
  const { cold, rows } = fresh
  const bytes = cold.bytes

  const scanStarted = performance.now()
  for (let i = 0; i < 5; i++) countItems(cold.body)
  const scanMbps = bytes / 1e6 / ((performance.now() - scanStarted) / 1000 / 5)

  // Decode and scan: what the least a reader does with the bytes (UTF-8 to text in 64 KiB chunks as
  // they would arrive, then count the items). The emulator should serve at least this fast.
  const decodeStarted = performance.now()
  let decodedItems = 0
  for (let i = 0; i < 5; i++) {
    const decoder = new TextDecoder()
    let tail = ''
    for (let off = 0; off < cold.body.length; off += 64 * 1024) {
      const text = tail + decoder.decode(cold.body.subarray(off, off + 64 * 1024), { stream: true })
      let at = text.indexOf('</item>')
      let last = 0
      while (at >= 0) {
        decodedItems++
        last = at + 7
        at = text.indexOf('</item>', last)
      }
      tail = text.slice(Math.max(last, text.length - 6))
    }
  }
  if (decodedItems !== 5 * (rows + 1)) throw new Error(`decode-and-scan counted ${decodedItems / 5} items`)
  const decodeMbps = bytes / 1e6 / ((performance.now() - decodeStarted) / 1000 / 5)

  // The client's parse, median of three runs in this same process and moment.
  const clientRuns: Array<{ mbps: number; rowsPerSec: number } | string> = []
  for (let i = 0; i < 3; i++) clientRuns.push(await clientParseRate(cold.body, rows))
  const failed = clientRuns.find((r) => typeof r === 'string')
  const client =
    failed ?? (clientRuns as Array<{ mbps: number; rowsPerSec: number }>).sort((a, b) => a.mbps - b.mbps)[1]!

  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  const rate = (ms: number) => bytes / 1e6 / (ms / 1000)
  const line = (label: string, m: Measured) =>
    `  ${label} ${rate(m.totalMs).toFixed(1)} MB/s, ${Math.round(rows / (m.totalMs / 1000)).toLocaleString('en-US')} rows/s, ` +
    `first byte ${m.ttfbMs.toFixed(0)} ms, total ${m.totalMs.toFixed(0)} ms (median of ${RUNS}; best ${rate(m.bestMs).toFixed(1)} MB/s); ` +
    `server RSS ${mb(m.memory.baseRss)} idle → ${mb(m.memory.peakRss)} peak`
  console.log(
    'emulator bench — US, 2025-01..2025-12, hsSgn omitted, over loopback (emulator in a child process)',
  )
  console.log(
    `  body            ${(bytes / 1e6).toFixed(2)} MB, ${rows} data rows + the totals row, ${(bytes / (rows + 1)).toFixed(0)} B/row`,
  )
  console.log(
    `  first request   ${cold.totalMs.toFixed(0)} ms total, first byte after ${cold.ttfbMs.toFixed(0)} ms (JIT cold)`,
  )
  console.log(line('generated      ', fresh))
  console.log(line('cached answer  ', cached))
  console.log(`  baseline scan   indexOf('</item>') over the same bytes: ${scanMbps.toFixed(1)} MB/s`)
  console.log(
    `  decode + scan   TextDecoder (64 KiB chunks) + indexOf over the same bytes: ${decodeMbps.toFixed(1)} MB/s`,
  )
  const serve = rate(fresh.totalMs)
  console.log(
    `  ratio           generated serve / decode + scan = ${(serve / decodeMbps).toFixed(2)}×; cached = ${(rate(cached.totalMs) / decodeMbps).toFixed(2)}× (goal ≥ 1×)`,
  )
  if (typeof client === 'string') {
    console.log(`  client parse    n/a: ${client}`)
    console.log(
      `  ratio           generated serve / the client's 40 MB/s goal = ${(serve / 40).toFixed(2)}× (goal ≥ 3×)`,
    )
  } else {
    console.log(
      `  client parse    ${client.mbps.toFixed(1)} MB/s, ${Math.round(client.rowsPerSec).toLocaleString('en-US')} rows/s (streamTradeByItemCountry on the same body, median of 3)`,
    )
    console.log(
      `  ratio           generated serve / client parse = ${(serve / client.mbps).toFixed(2)}×; cached = ${(rate(cached.totalMs) / client.mbps).toFixed(2)}× (goal ≥ 3×)`,
    )
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
