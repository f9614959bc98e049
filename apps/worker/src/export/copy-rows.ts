/**
 * The export's fast path on PostgreSQL: the rows come from `COPY (select …) TO STDOUT` (copyTradeRowsText)
 * as text lines, and each line becomes a CSV or JSON line by splicing in names formatted once per country
 * and per HS code and edition, or an {@link ExportRow} for Parquet. The bytes are the same as the row
 * path's (`toExportRow` and the writers in writers.ts) gives for the same rows.
 */
import type { KcsDatabase, TradeSelection } from '@kcs-trade/db'
import type { NameResolver, Names } from '../sync/names.js'
import { csvCell } from './format.js'
import type { ExportRow } from './writers.js'

/** What the fast path makes of the rows: text of a format, or rows for a writer. */
export type CopyOutput = 'csv' | 'json' | 'rows'

/** One chunk of output: the text of whole lines (csv, json) or rows, and how many rows it holds. */
export type CopyChunk =
  | { rows: number; bytes: Buffer[]; list?: undefined }
  | { rows: number; bytes?: undefined; list: ExportRow[] }

type Edition = 0 | 1 | 2

/** COPY's text-format escapes undone (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`). */
export function decodeCopyText(s: string): string {
  if (!s.includes('\\')) return s
  return s.replace(/\\(.)/g, (_, c: string) => {
    switch (c) {
      case 'n':
        return '\n'
      case 'r':
        return '\r'
      case 't':
        return '\t'
      case 'b':
        return '\b'
      case 'f':
        return '\f'
      case 'v':
        return '\v'
      default:
        return c
    }
  })
}

function editionIndex(period: string): Edition {
  return period >= '2022' ? 2 : period >= '2017' ? 1 : 0
}

function safeNumber(field: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`${field} ${text} is not a safe integer`)
  return n
}

/** Turns COPY text lines into output lines; names and their formatting are cached, bounded by the reference. */
class LineFormatter {
  private readonly hsCache: [Map<string, string>, Map<string, string>, Map<string, string>] = [
    new Map(),
    new Map(),
    new Map(),
  ]
  private readonly countryCache = new Map<string, string>()
  private readonly namesCache = new Map<string, Names>()

  constructor(
    private readonly output: CopyOutput,
    private readonly names: NameResolver,
    /** The mirror's name of each country the reference lacks (the first row's, as the row path takes it). */
    private readonly mirrorCountryNames: ReadonlyMap<string, string>,
  ) {}

  private pair(raw: string, n: Names, en: string, ko: string): string {
    const code = decodeCopyText(raw)
    return this.output === 'csv'
      ? `${code},${csvCell(n.en)},${csvCell(n.ko)}`
      : `${JSON.stringify(code)},"${en}":${JSON.stringify(n.en)},"${ko}":${JSON.stringify(n.ko)}`
  }

  country(code: string): string {
    let frag = this.countryCache.get(code)
    if (frag === undefined) {
      const n = this.names.country(code, this.mirrorCountryNames.get(code) ?? '')
      frag = this.pair(code, n, 'country_name_en', 'country_name_ko')
      this.countryCache.set(code, frag)
    }
    return frag
  }

  hs(code: string, period: string, item: string): string {
    if (item !== '\\N')
      return this.pair(code, this.names.hs(code, period, decodeCopyText(item)), 'hs_name_en', 'hs_name_ko')
    const cache = this.hsCache[editionIndex(period)]
    let frag = cache.get(code)
    if (frag === undefined) {
      frag = this.pair(code, this.names.hs(decodeCopyText(code), period, ''), 'hs_name_en', 'hs_name_ko')
      cache.set(code, frag)
    }
    return frag
  }

  /** Whole lines of `text`; returns the output, the rows and where the unfinished line starts. */
  lines(text: string): { bytes: Buffer[]; rows: number; rest: number } {
    // Encoded every ~32 K characters: a longer string, once flattened, would be allocated in V8's old
    // generation and live until a full collection (peak RSS 250–275 MB for 5 M rows, against less now).
    const bytes: Buffer[] = []
    let out = ''
    let rows = 0
    let pos = 0
    const json = this.output === 'json'
    let lastCountry = ''
    let countryFrag = ''
    for (;;) {
      const nl = text.indexOf('\n', pos)
      if (nl < 0) break
      const a = text.indexOf('\t', pos)
      const b = text.indexOf('\t', a + 1)
      const c = text.indexOf('\t', b + 1)
      const d = text.lastIndexOf('\t', nl)
      const period = text.slice(pos, a)
      const cc = text.slice(a + 1, b)
      if (cc !== lastCountry) {
        lastCountry = cc
        countryFrag = this.country(cc)
      }
      const hsFrag = this.hs(text.slice(b + 1, c), period, text.slice(d + 1, nl))
      if (json) {
        // The measures field is `1,2,3,4,5`: building the JSON members here costs less than in SQL.
        const m1 = text.indexOf(',', c + 1)
        const m2 = text.indexOf(',', m1 + 1)
        const m3 = text.indexOf(',', m2 + 1)
        const m4 = text.indexOf(',', m3 + 1)
        out += `{"period":"${period}","country_code":${countryFrag},"hs_code":${hsFrag},"export_kg":${text.slice(c + 1, m1)},"export_usd":${text.slice(m1 + 1, m2)},"import_kg":${text.slice(m2 + 1, m3)},"import_usd":${text.slice(m3 + 1, m4)},"balance_usd":${text.slice(m4 + 1, d)}}\n`
      } else out += `${period},${countryFrag},${hsFrag},${text.slice(c + 1, d)}\n`
      rows++
      pos = nl + 1
      if (out.length > 32_768) {
        bytes.push(Buffer.from(out, 'utf8'))
        out = ''
      }
    }
    if (out.length > 0) bytes.push(Buffer.from(out, 'utf8'))
    return { bytes, rows, rest: pos }
  }

  private rowNames(code: string, period: string, item: string): Names {
    if (item !== '\\N') return this.names.hs(code, period, decodeCopyText(item))
    const key = `${editionIndex(period)}${code}`
    let n = this.namesCache.get(key)
    if (n === undefined) {
      n = this.names.hs(decodeCopyText(code), period, '')
      this.namesCache.set(key, n)
    }
    return n
  }

  /** Whole lines of `text` as export rows (measures as five tab-separated fields). */
  rowList(text: string): { list: ExportRow[]; rest: number } {
    const list: ExportRow[] = []
    let pos = 0
    for (;;) {
      const nl = text.indexOf('\n', pos)
      if (nl < 0) break
      const f = text.slice(pos, nl).split('\t')
      const [period = '', cc = '', hs = '', ek = '', eu = '', ik = '', iu = '', bu = '', item = '\\N'] = f
      const c = this.names.country(cc, this.mirrorCountryNames.get(cc) ?? '')
      const h = this.rowNames(hs, period, item)
      list.push({
        period,
        country_code: cc,
        country_name_en: c.en,
        country_name_ko: c.ko,
        hs_code: decodeCopyText(hs),
        hs_name_en: h.en,
        hs_name_ko: h.ko,
        export_kg: safeNumber('export_kg', ek),
        export_usd: safeNumber('export_usd', eu),
        import_kg: safeNumber('import_kg', ik),
        import_usd: safeNumber('import_usd', iu),
        balance_usd: safeNumber('balance_usd', bu),
      })
      pos = nl + 1
    }
    return { list, rest: pos }
  }
}

/** For each selected country the reference lacks, the country name of its first mirrored row. */
async function mirrorCountryNames(
  db: KcsDatabase,
  selection: TradeSelection & { countries: string[] },
  known: (code: string) => boolean,
): Promise<Map<string, string>> {
  const { iterateTradeRows } = await import('@kcs-trade/db')
  const out = new Map<string, string>()
  for (const country of selection.countries) {
    if (known(country)) continue
    const query = { country, hsPrefix: selection.hsPrefix, from: selection.from, to: selection.to }
    for await (const row of iterateTradeRows(db, query, { pageSize: 1 })) {
      out.set(country, row.countryName)
      break
    }
  }
  return out
}

/**
 * The selection's rows through COPY, formatted: chunks of CSV or JSON Lines text (no header), or of
 * export rows. `selection.countries` lists the countries that have rows; `every` reads them all without
 * naming them in the query.
 */
export async function* copyExportChunks(
  db: KcsDatabase,
  selection: TradeSelection & { countries: string[] },
  every: boolean,
  output: CopyOutput,
  names: NameResolver,
  reference: { countries: { get(code: string): unknown }; hsk: { get(code: string): unknown } },
): AsyncGenerator<CopyChunk> {
  const { copyTradeRowsText } = await import('@kcs-trade/db')
  const mirror = await mirrorCountryNames(db, selection, (c) => reference.countries.get(c) !== undefined)
  const formatter = new LineFormatter(output, names, mirror)
  const chunks = copyTradeRowsText(db, every ? { ...selection, countries: [] } : selection, {
    measures: output === 'rows' ? 'tsv' : 'csv',
    // The rows of a line the HSK table lacks are named with the mirror's item name, as NameResolver.hs does.
    itemNameFor: (code) => {
      try {
        return code.length > 10 || reference.hsk.get(code) === undefined
      } catch {
        return true // a malformed code: NameResolver.hs fails on it as on the row path
      }
    },
  })
  const decoder = new TextDecoder('utf-8', { fatal: false })
  let rest = ''
  for await (const chunk of chunks) {
    const text = rest + decoder.decode(chunk, { stream: true })
    if (output === 'rows') {
      const r = formatter.rowList(text)
      rest = text.slice(r.rest)
      if (r.list.length > 0) yield { rows: r.list.length, list: r.list }
    } else {
      const r = formatter.lines(text)
      rest = text.slice(r.rest)
      if (r.rows > 0) yield { rows: r.rows, bytes: r.bytes }
    }
  }
  if (rest.length > 0 || decoder.decode().length > 0) throw new Error('export: COPY ended inside a row')
}
