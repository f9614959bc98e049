/**
 * `pnpm --filter @kcs-trade/emulator calibrate` — prints, for every fact in FACTS.md the emulator
 * targets, the fact, the emulator's figure and their ratio, and exits 1 when one is outside its
 * tolerance. Flags: --from/--to (default 2012-01..2026-07), --seed N, --json, --markdown FILE.
 */
import { writeFileSync } from 'node:fs'
import { calibrationFacts, evaluate, type FactResult } from '../src/calibration/facts.js'
import { calibrationDataset, measure } from '../src/calibration/measure.js'

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(name)
  return k < 0 ? undefined : process.argv[k + 1]
}

const from = arg('--from') ?? '2012-01'
const to = arg('--to') ?? '2026-07'
const seed = Number(arg('--seed') ?? 1)
const json = process.argv.includes('--json')
const markdown = arg('--markdown')

const started = performance.now()
const dataset = calibrationDataset(seed)
const m = measure(dataset, {
  from,
  to,
  onMonth: (done, total) => {
    if (!json && process.stderr.isTTY)
      process.stderr.write(`\rscanning the emulator's truth: ${done}/${total} months`)
  },
})
if (!json && process.stderr.isTTY) process.stderr.write('\n')
const results = evaluate(calibrationFacts(m), m)
const seconds = (performance.now() - started) / 1000

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US')
  return x.toFixed(Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 10 ? 2 : 3)
}

function table(rows: readonly FactResult[]): string {
  const head =
    '| group | fact | source | real | emulator | ratio | tolerance | |\n|---|---|---|---:|---:|---:|---|---|'
  const body = rows.map(
    (r) =>
      `| ${r.group} | ${r.name} | ${r.source} | ${fmt(r.fact)} ${r.unit} | ${fmt(r.figure)} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : '–'} | ${r.tolerance} | ${r.pass ? 'ok' : '**FAIL**'} |`,
  )
  return [head, ...body].join('\n')
}

const failed = results.filter((r) => !r.pass)
if (json) {
  process.stdout.write(
    `${JSON.stringify({ from, to, seed, seconds, rows: m.totalRows, results, failed: failed.length }, null, 2)}\n`,
  )
} else {
  let group = ''
  for (const r of results) {
    if (r.group !== group) {
      group = r.group
      process.stdout.write(`\n${group}\n`)
    }
    process.stdout.write(
      `  ${r.pass ? 'ok  ' : 'FAIL'} ${r.name.padEnd(58)} real ${fmt(r.fact).padStart(12)} ${r.unit.padEnd(7)} emulator ${fmt(r.figure).padStart(12)}  ratio ${Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : '  – '}  (${r.tolerance})\n`,
    )
  }
  process.stdout.write(
    `\n${results.length - failed.length} of ${results.length} facts within tolerance; ${m.totalRows.toLocaleString('en-US')} rows scanned (${from}..${to}, seed ${seed}) in ${seconds.toFixed(1)} s\n`,
  )
  for (const r of failed)
    process.stdout.write(`outside tolerance: ${r.name} (real ${fmt(r.fact)}, emulator ${fmt(r.figure)})\n`)
}
if (markdown) writeFileSync(markdown, `${table(results)}\n`)
process.exitCode = failed.length > 0 ? 1 : 0
