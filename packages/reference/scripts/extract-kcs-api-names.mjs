// Extracts the Korean names the KCS trade API returns for 4- and 6-digit HS codes from a
// RyannRonn/trade-dashboard `trade_data_v2.json` (real API output) into data/hs/kcs-api-hs-names.csv.
//
//   node scripts/extract-kcs-api-names.mjs <path to trade_data_v2@f94df2d.json>
//
// The JSON is not kept in this repository (2.2 MB, mostly export figures this package does not
// use); its provenance is in data/SOURCES.md. Only two of its keys are read:
//   - `hs4_names`: heading code -> the name the API returns for it (statKor of 4-digit rows);
//   - `ranking_6d[code].name`: the name the API returns for each 6-digit subheading.
// Names are written exactly as the JSON holds them (no trimming, no space folding; empty names
// stay empty), one row per code, sorted by code. scripts/generate.ts decides what to use.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const input = process.argv[2]
if (!input) {
  console.error('usage: node scripts/extract-kcs-api-names.mjs <trade_data_v2.json>')
  process.exit(2)
}
const json = JSON.parse(readFileSync(input, 'utf8'))
const names = new Map()
for (const [code, name] of Object.entries(json.hs4_names ?? {})) {
  if (!/^\d{4}$/.test(code) || typeof name !== 'string') throw new Error(`hs4_names: ${code}`)
  names.set(code, name)
}
for (const [code, entry] of Object.entries(json.ranking_6d ?? {})) {
  if (!/^\d{6}$/.test(code) || typeof entry?.name !== 'string') throw new Error(`ranking_6d: ${code}`)
  names.set(code, entry.name)
}
if (names.size === 0) throw new Error(`${input} has neither hs4_names nor ranking_6d`)

const field = (text) => (/[",\n\r]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text)
const lines = ['code,name_ko']
for (const code of [...names.keys()].sort()) lines.push(`${code},${field(names.get(code))}`)
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'hs', 'kcs-api-hs-names.csv')
writeFileSync(out, `${lines.join('\n')}\n`)
const count = (len) => [...names.keys()].filter((c) => c.length === len).length
console.log(`${out}: ${count(4)} headings, ${count(6)} subheadings`)
