/**
 * pnpm --filter @kcs-trade/reference bench
 *
 * 1. Import time of each subpath from the built `dist/` (what users load), one fresh Node process
 *    per measurement, against a baseline import of a trivial module in the same run; also the
 *    cost of the first call, which parses the table.
 * 2. Search latency p50/p99 over 1,000 mixed Korean/English queries (plus code prefixes), with
 *    the index already built; the one-time index build is reported apart. Baseline: a naive
 *    `includes` scan over the same names.
 * 3. Bundle size per subpath (esbuild, minified) and the size of the tables it reads, raw and gzip.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
if (!existsSync(join(dist, 'index.js')))
  throw new Error('run `pnpm --filter @kcs-trade/reference build` first')

const RUNS = 15

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`

// --- 1. import time ------------------------------------------------------------------------------

const scratch = mkdtempSync(join(tmpdir(), 'kcs-reference-bench-'))
const trivial = join(scratch, 'trivial.js')
const warmup = join(scratch, 'warmup.js')
writeFileSync(trivial, 'export const answer = 42\n')
writeFileSync(warmup, 'export const warm = true\n')

interface ImportRun {
  importMs: number
  firstCallMs: number
  /** CPU time of the first call: unlike wall time, not inflated by waiting for a core. */
  firstCallCpuMs: number
}

function timeInFreshProcess(url: string, firstCall: string): ImportRun {
  // The first dynamic import of a process also starts Node's ESM loader; a warm-up import takes
  // that cost out so the figure is the module's own.
  const script = `
    await import(${JSON.stringify(pathToFileURL(warmup).href)})
    const t0 = performance.now()
    const m = await import(${JSON.stringify(url)})
    const t1 = performance.now()
    const c1 = process.cpuUsage()
    ${firstCall}
    const t2 = performance.now()
    const cpu = process.cpuUsage(c1)
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, firstCallCpuMs: (cpu.user + cpu.system) / 1000 }))
  `
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  return JSON.parse(out)
}

const subpaths: { name: string; file: string; firstCall: string }[] = [
  { name: 'baseline (trivial module)', file: trivial, firstCall: 'm.answer' },
  { name: '@kcs-trade/reference/countries', file: join(dist, 'countries.js'), firstCall: "m.get('US')" },
  { name: '@kcs-trade/reference/hs', file: join(dist, 'hs.js'), firstCall: "m.get('0202')" },
  { name: '@kcs-trade/reference/hsk', file: join(dist, 'hsk.js'), firstCall: "m.get('8518309000')" },
  { name: '@kcs-trade/reference', file: join(dist, 'index.js'), firstCall: "m.countries.get('US')" },
]

console.log(`\n## Import time (${RUNS} fresh Node processes each, dist/, ESM loader warmed up)\n`)
console.log(
  'On a shared machine a single import can be preempted; `min` is the least-disturbed run and the one the goals are checked against.\n',
)
console.log(
  '| subpath | import min | import p50 | import p90 | p50 × baseline | first call p50 (reads + parses its table) | first call CPU p50 |',
)
console.log('|---|---|---|---|---|---|---|')
let baselineImport = 0
const importResults: Record<string, number> = {}
for (const s of subpaths) {
  const runs = Array.from({ length: RUNS }, () => timeInFreshProcess(pathToFileURL(s.file).href, s.firstCall))
  const imports = runs.map((r) => r.importMs)
  const p50 = percentile(imports, 50)
  if (!baselineImport) baselineImport = p50
  importResults[s.name] = Math.min(...imports)
  const firstWall = percentile(
    runs.map((r) => r.firstCallMs),
    50,
  )
  const firstCpu = percentile(
    runs.map((r) => r.firstCallCpuMs),
    50,
  )
  console.log(
    `| ${s.name} | ${fmt(Math.min(...imports))} | ${fmt(p50)} | ${fmt(percentile(imports, 90))} | ${(p50 / baselineImport).toFixed(1)} | ${fmt(firstWall)} | ${fmt(firstCpu)} |`,
  )
}

// --- 2. search latency -----------------------------------------------------------------------------

const { hs, hsk } = (await import(
  pathToFileURL(join(dist, 'index.js')).href
)) as typeof import('../src/index.js')

/** Deterministic pseudo-random numbers (mulberry32), so every run asks the same queries. */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const random = rng(20261124)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
const hsAll = hs.all()
const hskAll = hsk.all()
const englishWords = hsAll
  .flatMap((e) => e.nameEn.toLowerCase().split(/[^a-z]+/))
  .filter((w) => w.length >= 4 && !['other', 'than', 'with', 'whether', 'including', 'excluding'].includes(w))
const koreanNames = hskAll.map((e) => e.nameKo).filter((n) => n !== '기타' && n.length <= 12)
const categoryNames = [...new Set(hskAll.map((e) => e.category?.nameKo).filter((n): n is string => !!n))]

const queries: string[] = []
for (let i = 0; i < 1000; i++) {
  const r = random()
  if (r < 0.25) queries.push(pick(englishWords))
  else if (r < 0.4) queries.push(`${pick(englishWords)} ${pick(englishWords)}`)
  else if (r < 0.45) queries.push(pick(englishWords).slice(0, 4).toUpperCase())
  else if (r < 0.65) queries.push(pick(koreanNames))
  else if (r < 0.75) queries.push(pick(koreanNames).replace(/\s+/g, ''))
  else if (r < 0.9) queries.push(pick(categoryNames))
  else queries.push(pick(hsAll).code.slice(0, pick([2, 4, 4, 6])))
}
const koCount = queries.filter((q) => /[가-힣]/.test(q)).length
const codeCount = queries.filter((q) => /^\d+$/.test(q)).length

interface Stats {
  p50: number
  p99: number
  max: number
  bestP50: number
  bestP99: number
  results: number
}

/**
 * One pass times each query once (p50/p99/max as a user would see them on this machine); the
 * best-of-5 figures time each query five times and keep its fastest run, which removes the
 * preemption by other processes that dominates single-pass tails on a shared 2-core machine.
 */
function measure(run: (q: string) => unknown): Stats {
  const single: number[] = []
  const best: number[] = []
  let results = 0
  for (const q of queries) {
    let fastest = Number.POSITIVE_INFINITY
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now()
      const r = run(q) as unknown[]
      const elapsed = performance.now() - t0
      if (rep === 0) {
        single.push(elapsed)
        results += r.length
      }
      fastest = Math.min(fastest, elapsed)
    }
    best.push(fastest)
  }
  return {
    p50: percentile(single, 50),
    p99: percentile(single, 99),
    max: Math.max(...single),
    bestP50: percentile(best, 50),
    bestP99: percentile(best, 99),
    results,
  }
}

/** Wall time, and CPU time of this process (not inflated by waiting for a core). */
function timeOnce(fn: () => unknown): string {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  fn()
  const cpu = process.cpuUsage(c0)
  return `${fmt(performance.now() - t0)} (CPU ${fmt((cpu.user + cpu.system) / 1000)})`
}

const hsBuild = timeOnce(() => {
  hs.search('beef')
  hs.search('소고기')
})
const hskBuild = timeOnce(() => {
  hsk.search('beef')
  hsk.search('소고기')
})
// Warm-up pass so the JIT has seen every path; then the measured pass.
for (const q of queries) {
  hs.search(q, { limit: 20 })
  hsk.search(q, { limit: 20 })
}
const hsStats = measure((q) => hs.search(q, { limit: 20 }))
const hskStats = measure((q) => hsk.search(q, { limit: 20 }))

const naiveHaystack = hsAll.map((e) => `${e.code} ${e.nameEn.toLowerCase()} ${e.nameKo ?? ''}`)
const naive = measure((q) => {
  const needle = q.toLowerCase()
  return naiveHaystack.filter((h) => h.includes(needle)).slice(0, 20)
})

console.log(
  `\n## Search latency (1,000 queries: ${1000 - koCount - codeCount} English, ${koCount} Korean, ${codeCount} code prefixes; limit 20)\n`,
)
console.log('| search | p50 | p99 | max | best-of-5 p50 | best-of-5 p99 | results | index build (once) |')
console.log('|---|---|---|---|---|---|---|---|')
const row = (name: string, st: Stats, buildMs: string) =>
  console.log(
    `| ${name} | ${fmt(st.p50)} | ${fmt(st.p99)} | ${fmt(st.max)} | ${fmt(st.bestP50)} | ${fmt(st.bestP99)} | ${st.results} | ${buildMs} |`,
  )
row('hs.search (HS2022, 6,939 codes)', hsStats, hsBuild)
row('hsk.search (11,327 lines)', hskStats, hskBuild)
row('baseline: naive includes() scan of HS2022 names, unranked', naive, '–')

// --- 3. bundle size --------------------------------------------------------------------------------

console.log('\n## Bundle size (esbuild --bundle --minify --format=esm --platform=node, from dist/)\n')
console.log(
  'Code is what a bundler emits; tables are the dist/generated/*.txt files the subpath reads on first use.\n',
)
console.log('| subpath | code raw | code gzip | tables raw | tables gzip |')
console.log('|---|---|---|---|---|')
const hsTables = [
  'hs-2022',
  'hs-2017',
  'hs-2012',
  'correlation-2022-2017',
  'correlation-2022-2012',
  'correlation-2017-2012',
  'categories',
  'hs6-categories',
]
const bundles: [string, string, string[]][] = [
  ['@kcs-trade/reference/countries', "export * from './countries.js'", []],
  ['@kcs-trade/reference/hs', "export * from './hs.js'", hsTables],
  ['@kcs-trade/reference/hsk', "export * from './hsk.js'", ['hs-2022', 'hsk', 'categories']],
  ['@kcs-trade/reference (everything)', "export * from './index.js'", [...hsTables, 'hsk']],
  [
    '@kcs-trade/reference, only `countries` used',
    "import { countries } from './index.js'; console.log(countries.get('US'))",
    [],
  ],
]
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
for (const [name, contents, tables] of bundles) {
  const result = await build({
    stdin: { contents, resolveDir: dist, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  const data = tables.map((t) => readFileSync(join(dist, 'generated', `${t}.txt`)))
  const dataRaw = data.reduce((sum, d) => sum + d.byteLength, 0)
  const dataGzip = data.reduce((sum, d) => sum + gzipSync(d, { level: 9 }).byteLength, 0)
  console.log(
    `| ${name} | ${kib(code.byteLength)} | ${kib(gzipSync(code, { level: 9 }).byteLength)} | ${kib(dataRaw)} | ${kib(dataGzip)} |`,
  )
}

rmSync(scratch, { recursive: true, force: true })

const goals = [
  ['countries import < 5 ms (min)', (importResults['@kcs-trade/reference/countries'] ?? Infinity) < 5],
  ['hs import < 50 ms (min)', (importResults['@kcs-trade/reference/hs'] ?? Infinity) < 50],
  ['hs.search p99 < 2 ms (best-of-5)', hsStats.bestP99 < 2],
  ['hsk.search p99 < 2 ms (best-of-5)', hskStats.bestP99 < 2],
  ['hs.search p99 < 2 ms (single pass)', hsStats.p99 < 2],
  ['hsk.search p99 < 2 ms (single pass)', hskStats.p99 < 2],
] as const
console.log('\n## Goals\n')
for (const [goal, met] of goals) console.log(`- ${goal}: ${met ? 'met' : 'NOT met'}`)
