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

/** One chunk of output: whole encoded lines (csv, json), or rows given to `write` and what to wait for. */
export type CopyChunk =
  | { rows: number; bytes: Buffer[]; pending?: undefined }
  | { rows: number; bytes?: undefined; pending: Array<Promise<void>> }

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

  /**
   * Whole lines of `text` (measures as five tab-separated fields) handed to `write` as export rows,
   * one reused object: `write` must copy what it keeps (the Parquet writer does). Returns the rows,
   * where the unfinished line starts, and what `write` asked to wait for (a row group being written).
   */
  rowsInto(
    text: string,
    write: (row: ExportRow) => Promise<void> | undefined,
  ): { rows: number; rest: number; pending: Array<Promise<void>> } {
    const pending: Array<Promise<void>> = []
    const row = this.row
    let rows = 0
    let pos = 0
    for (;;) {
      const nl = text.indexOf('\n', pos)
      if (nl < 0) break
      const t1 = text.indexOf('\t', pos)
      const t2 = text.indexOf('\t', t1 + 1)
      const t3 = text.indexOf('\t', t2 + 1)
      const t4 = text.indexOf('\t', t3 + 1)
      const t5 = text.indexOf('\t', t4 + 1)
      const t6 = text.indexOf('\t', t5 + 1)
      const t7 = text.indexOf('\t', t6 + 1)
      const t8 = text.indexOf('\t', t7 + 1)
      const period = text.slice(pos, t1)
      const cc = text.slice(t1 + 1, t2)
      const hs = text.slice(t2 + 1, t3)
      const c = this.names.country(cc, this.mirrorCountryNames.get(cc) ?? '')
      const h = this.rowNames(hs, period, text.slice(t8 + 1, nl))
      row.period = period
      row.country_code = cc
      row.country_name_en = c.en
      row.country_name_ko = c.ko
      row.hs_code = hs.includes('\\') ? decodeCopyText(hs) : hs
      row.hs_name_en = h.en
      row.hs_name_ko = h.ko
      row.export_kg = safeNumber('export_kg', text.slice(t3 + 1, t4))
      row.export_usd = safeNumber('export_usd', text.slice(t4 + 1, t5))
      row.import_kg = safeNumber('import_kg', text.slice(t5 + 1, t6))
      row.import_usd = safeNumber('import_usd', text.slice(t6 + 1, t7))
      row.balance_usd = safeNumber('balance_usd', text.slice(t7 + 1, t8))
      const p = write(row)
      if (p) pending.push(p)
      rows++
      pos = nl + 1
    }
    return { rows, rest: pos, pending }
  }

  private readonly row: ExportRow = {
    period: '',
    country_code: '',
    country_name_en: null,
    country_name_ko: null,
    hs_code: '',
    hs_name_en: null,
    hs_name_ko: null,
    export_kg: 0,
    export_usd: 0,
    import_kg: 0,
    import_usd: 0,
    balance_usd: 0,
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
 * The selection's rows through COPY, formatted: chunks of CSV or JSON Lines bytes (no header), or
 * (output `rows`) rows handed to `write`. `selection.countries` lists the countries that have rows; `every` reads them all without
 * naming them in the query.
 */
export async function* copyExportChunks(
  db: KcsDatabase,
  selection: TradeSelection & { countries: string[] },
  every: boolean,
  output: CopyOutput,
  names: NameResolver,
  reference: { countries: { get(code: string): unknown }; hsk: { get(code: string): unknown } },
  write: (row: ExportRow) => Promise<void> | undefined = () => undefined,
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
      const r = formatter.rowsInto(text, write)
      rest = text.slice(r.rest)
      if (r.rows > 0) yield { rows: r.rows, pending: r.pending }
    } else {
      const r = formatter.lines(text)
      rest = text.slice(r.rest)
      if (r.rows > 0) yield { rows: r.rows, bytes: r.bytes }
    }
  }
  if (rest.length > 0 || decoder.decode().length > 0) throw new Error('export: COPY ended inside a row')
}
