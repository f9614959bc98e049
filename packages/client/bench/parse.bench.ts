/**
 * Streaming-parse benchmark: a generated 21 MB / 77,000-row answer, fed in 64 KiB chunks.
 *
 *   pnpm --filter @kcs-trade/client bench            (add -- --no-fxp to skip fast-xml-parser)
 *
 * Prints MB/s and rows/s for: a plain indexOf scan of the same bytes (the baseline: decode, then find
 * each item's ten children with indexOf and slice their text, no validation); the client's streaming
 * parse (ResponseBodyParser: UTF-8 decoding, validating scan, entity decoding, integer and period
 * checks, totals detection, sums), without and with the SHA-256 of the body the client computes on
 * every response; saxes doing the same row work; the ratio of each to the baseline; the peak memory
 * growth of the streaming parse; and last, fast-xml-parser parsing the whole document.
 */
import { cpus, loadavg } from 'node:os'
import { XMLParser } from 'fast-xml-parser'
import { SaxesParser } from 'saxes'
import { ResponseBodyParser } from '../src/body.js'
import { compileEndpoint, nitemtradeEndpoint, type TradeRow } from '../src/endpoint.js'
import { chunkBytes, generateLargeAnswer } from '../src/test-utils/fixtures.js'

const ROWS = 77_000
const CHUNK = 64 * 1024
const RUNS = 7

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) console.warn('Run with --expose-gc for meaningful memory figures (the bench script does).')

const { xml } = generateLargeAnswer(ROWS)
const bytes = new TextEncoder().encode(xml)
const chunks = chunkBytes(bytes, CHUNK)
const MB = bytes.length / 1e6
const FIELDS = [
  'balPayments',
  'expDlr',
  'expWgt',
  'hsCd',
  'impDlr',
  'impWgt',
  'statCd',
  'statCdCntnKor1',
  'statKor',
  'year',
]

interface Outcome {
  rows: number
  check: number
}

/** Baseline: decode, then per item find each child with indexOf and slice its text. No validation. */
function indexOfScan(): Outcome {
  const decoder = new TextDecoder()
  let rest = ''
  let rows = 0
  let check = 0
  const open = FIELDS.map((f) => `<${f}>`)
  const close = FIELDS.map((f) => `</${f}>`)
  for (const chunk of chunks) {
    const text = rest + decoder.decode(chunk, { stream: true })
    let pos = 0
    for (;;) {
      const start = text.indexOf('<item>', pos)
      if (start === -1) break
      const end = text.indexOf('</item>', start)
      if (end === -1) break
      let p = start
      let last = ''
      for (let i = 0; i < FIELDS.length; i++) {
        const a = text.indexOf(open[i]!, p) + open[i]!.length
        const b = text.indexOf(close[i]!, a)
        last = text.slice(a, b)
        p = b
      }
      check += last.length
      rows++
      pos = end + 7
    }
    rest = text.slice(pos)
  }
  return { rows, check }
}

/** The client's parser (ResponseBodyParser), with or without the SHA-256 of the body. */
function streamingParse(hash: boolean, sample?: () => void): Outcome {
  const parser = new ResponseBodyParser(nitemtradeEndpoint, { hash })
  let rows = 0
  let check = 0
  const consume = (batch: TradeRow[]) => {
    rows += batch.length
    for (const r of batch) check += r.exportUsd > 0 ? 1 : 0
  }
  for (let i = 0; i < chunks.length; i++) {
    consume(parser.write(chunks[i]!))
    if (sample && (i & 7) === 0) sample()
  }
  const last = parser.end()
  consume(last.rows)
  if (last.summary.sumsMatch !== true) throw new Error('sums do not match')
  return { rows, check }
}

/** saxes doing the same row work (children collected by position, mapped by the same mapper). */
function saxesParse(): Outcome {
  const compiled = compileEndpoint(nitemtradeEndpoint)
  const slot = new Map(compiled.itemFields.map((f, i) => [f, i] as const))
  const values: (string | undefined)[] = new Array(compiled.itemFields.length)
  let rows = 0
  let check = 0
  let depth = 0
  let current = -1
  let text = ''
  const parser = new SaxesParser()
  parser.on('opentag', (tag) => {
    depth++
    if (depth === 4 && tag.name === 'item') values.fill(undefined)
    if (depth === 5) {
      current = slot.get(tag.name) ?? -1
      text = ''
    }
  })
  parser.on('text', (t) => {
    if (depth === 5) text += t
  })
  parser.on('closetag', (tag) => {
    if (depth === 5 && current >= 0) values[current] = text
    if (depth === 4 && tag.name === 'item' && !compiled.isTotals(values)) {
      const r = compiled.mapRow(values)
      rows++
      check += r.exportUsd > 0 ? 1 : 0
    }
    depth--
  })
  parser.on('error', (e) => {
    throw e
  })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  for (const chunk of chunks) parser.write(decoder.decode(chunk, { stream: true }))
  parser.close()
  return { rows, check }
}

interface Timing {
  name: string
  /** Median wall-clock time. */
  ms: number
  /** Median CPU time of this process (user + system, all threads). */
  cpuMs: number
  rows: number
}

/**
 * Runs the methods in interleaved rounds (A B C D, A B C D, …) so that every method sees the same
 * machine load, and keeps each one's median wall and CPU time. On a shared machine wall time also
 * counts the time other processes held the CPU; CPU time does not, so both are printed.
 */
function timeInterleaved(methods: [string, () => Outcome][]): Timing[] {
  for (const [, fn] of methods) fn() // warm-up
  const wall = methods.map(() => [] as number[])
  const cpu = methods.map(() => [] as number[])
  const rows = methods.map(() => 0)
  for (let round = 0; round < RUNS; round++) {
    methods.forEach(([, fn], i) => {
      // No forced gc() here: a full collection shrinks the young generation, and the next run then
      // pays for regrowing it; a long-running process does not collect between requests.
      const c = process.cpuUsage()
      const t = performance.now()
      rows[i] = fn().rows
      wall[i]!.push(performance.now() - t)
      const used = process.cpuUsage(c)
      cpu[i]!.push((used.user + used.system) / 1000)
    })
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  return methods.map(([name], i) => ({ name, ms: median(wall[i]!), cpuMs: median(cpu[i]!), rows: rows[i]! }))
}

function memoryNow(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.external + m.arrayBuffers
}

/** Peak growth of V8 heap + external + array buffers over the run, sampled every 8 chunks. */
function peakGrowth(fn: (sample: () => void) => void): number {
  gc?.()
  gc?.()
  const base = memoryNow()
  let peak = base
  fn(() => {
    const now = memoryNow()
    if (now > peak) peak = now
  })
  return (peak - base) / 1e6
}

const fmt = (n: number, d = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

console.log(
  `Answer: ${fmt(MB, 2)} MB, ${ROWS.toLocaleString('en-US')} data rows + totals row, ${chunks.length} chunks of 64 KiB`,
)
console.log(
  `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start; ${RUNS} interleaved rounds, median of each\n`,
)

// Memory first, in a fresh process: RSS growth means something only before the timing runs grow the heap.
const memory = peakGrowth((sample) => streamingParse(true, sample))
const results = timeInterleaved([
  ['indexOf scan (baseline)', indexOfScan],
  ['streaming parse', () => streamingParse(false)],
  ['streaming parse + SHA-256 (client)', () => streamingParse(true)],
  ['saxes + same mapping', saxesParse],
])
const baseline = results[0]!
console.log(
  `${'method'.padEnd(36)}${'wall ms'.padStart(9)}${'MB/s'.padStart(8)}${'rows/s'.padStart(11)}${'× scan'.padStart(8)}` +
    `${'cpu ms'.padStart(9)}${'MB/s'.padStart(8)}${'× scan'.padStart(8)}`,
)
for (const r of results) {
  if (r.rows !== (r === baseline ? ROWS + 1 : ROWS))
    throw new Error(`${r.name}: ${r.rows} rows, expected ${ROWS}`)
  console.log(
    `${r.name.padEnd(36)}${fmt(r.ms, 0).padStart(9)}${fmt(MB / (r.ms / 1000)).padStart(8)}` +
      `${Math.round(ROWS / (r.ms / 1000))
        .toLocaleString('en-US')
        .padStart(11)}${fmt(baseline.ms / r.ms, 2).padStart(8)}` +
      `${fmt(r.cpuMs, 0).padStart(9)}${fmt(MB / (r.cpuMs / 1000)).padStart(8)}${fmt(baseline.cpuMs / r.cpuMs, 2).padStart(8)}`,
  )
}

const parse = results[1]!
console.log(
  `\nPeak memory growth of the streaming parse: ${fmt(memory)} MB (V8 heap + external + array buffers)`,
)

const goal = (t: Timing) =>
  [
    ['≥ 40 MB/s', MB / (t.ms / 1000) >= 40],
    ['≥ 0.5× the scan (wall)', baseline.ms / t.ms >= 0.5],
    ['≥ 0.5× the scan (cpu)', baseline.cpuMs / t.cpuMs >= 0.5],
    ['≤ 64 MB growth', memory <= 64],
  ] as const
for (const t of [parse, results[2]!]) {
  console.log(
    `Goals, ${t.name.trim()}: ${goal(t)
      .map(([g, ok]) => `${g} ${ok ? 'met' : 'MISSED'}`)
      .join(', ')}`,
  )
}

if (!process.argv.includes('--no-fxp')) {
  gc?.()
  const base = memoryNow()
  const t = performance.now()
  let peak = base
  const doc = new XMLParser({ parseTagValue: false }).parse(new TextDecoder().decode(bytes))
  peak = Math.max(peak, memoryNow())
  const ms = performance.now() - t
  const items = doc.response.body.items.item.length as number
  console.log(
    `\nfast-xml-parser, whole document (for comparison): ${fmt(ms, 0)} ms, ${fmt(MB / (ms / 1000))} MB/s, ${items} items, ≥ ${fmt((peak - base) / 1e6)} MB retained`,
  )
}
