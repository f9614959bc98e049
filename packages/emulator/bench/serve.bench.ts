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

const RUNS = 5
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

async function main(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--conditions=@kcs-trade/source'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
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
  const memory = await ask<{ baseRss: number; peakRss: number; maxRssKb: number }>(child, 'memory')

  const scanStarted = performance.now()
  for (let i = 0; i < 5; i++) countItems(cold.body)
  const scanSecs = (performance.now() - scanStarted) / 1000 / 5
  const scanMbps = cold.bytes / 1e6 / scanSecs

  const client = await clientParseRate(cold.body, rows)

  const totalMs = median(runs.map((r) => r.totalMs))
  const ttfbMs = median(runs.map((r) => r.ttfbMs))
  const serveMbps = cold.bytes / 1e6 / (totalMs / 1000)
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
  console.log('emulator bench — US, 2025-01..2025-12, hsSgn omitted, over loopback')
  console.log(
    `  body            ${(cold.bytes / 1e6).toFixed(2)} MB, ${rows} data rows (+ totals row), ${(cold.bytes / (rows + 1)).toFixed(0)} B/row`,
  )
  console.log(
    `  cold request    ${cold.totalMs.toFixed(0)} ms total, first byte after ${cold.ttfbMs.toFixed(0)} ms`,
  )
  console.log(
    `  warm (median of ${RUNS}) ${totalMs.toFixed(0)} ms total, first byte after ${ttfbMs.toFixed(0)} ms`,
  )
  console.log(
    `  serve rate      ${serveMbps.toFixed(1)} MB/s, ${Math.round(rows / (totalMs / 1000)).toLocaleString('en-US')} rows/s`,
  )
  console.log(
    `  server memory   RSS ${mb(memory.baseRss)} idle → peak ${mb(memory.peakRss)} (growth ${mb(memory.peakRss - memory.baseRss)})`,
  )
  console.log(`  baseline scan   indexOf('</item>') over the same bytes: ${scanMbps.toFixed(1)} MB/s`)
  if (typeof client === 'string') {
    console.log(`  client parse    n/a: ${client}`)
    console.log(
      `  ratio           serve / client goal-rate 40 MB/s = ${(serveMbps / 40).toFixed(2)}× (goal ≥ 3×)`,
    )
  } else {
    console.log(
      `  client parse    ${client.mbps.toFixed(1)} MB/s, ${Math.round(client.rowsPerSec).toLocaleString('en-US')} rows/s (streamTradeByItemCountry on the same body)`,
    )
    console.log(
      `  ratio           serve / client parse = ${(serveMbps / client.mbps).toFixed(2)}× (goal ≥ 3×)`,
    )
  }
  await ask(child, 'stop').catch(() => undefined)
  child.kill()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
