import { parse, parseCountries, parseHsList, parseMonth } from '../cli/args.js'
import { type CliContext, config, json, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { requireServiceKey } from '../config/env.js'
import { quoted, UsageError } from '../config/errors.js'
import { csvLine, displayWidth, lazyHeader, table } from '../export/format.js'
import { parseDataset } from '../sync/datasets.js'
import { calendarYearWindows, monthIndex } from '../sync/slices.js'
import { explainUnreachable, trackConnections } from '../sync/unreachable.js'
import { checkSiblingFilters, fetchSibling } from './fetch-siblings.js'
import { lazy } from './lazy.js'

/** The name of HS `code` from the reference tables, else `fallback`. */
export function itemName(
  reference: typeof import('@kcs-trade/reference'),
  code: string,
  fallback: string,
): string {
  const { hs, hsk } = reference
  if (code.length !== 10) return hs.get(code)?.nameEn ?? fallback
  const line = hsk.get(code)
  const sub = hs.get(code.slice(0, 6)) ?? hs.get(code.slice(0, 4))
  if (!line) return sub?.nameEn ?? fallback
  // KCS names are relative to the parent ("Other", "Of wool…"): lead with the subheading then.
  if (sub && /^(other|of |for |in |with |not )/i.test(line.nameEn)) return `${sub.nameEn}: ${line.nameEn}`
  return line.nameEn
}

/** `s` cut to `n` characters with an ellipsis. */
export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/** Cut to a terminal width (Hangul takes two columns), with an ellipsis. */
export function truncateWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s
  let out = ''
  for (const ch of s) {
    if (displayWidth(`${out}${ch}`) > width - 1) break
    out += ch
  }
  return `${out}…`
}

const ROW_FIELDS = [
  'period',
  'countryCode',
  'countryName',
  'hsCode',
  'itemName',
  'exportKg',
  'exportUsd',
  'importKg',
  'importUsd',
  'balanceUsd',
] as const

/** `kcs-trade fetch`: one live request, printed as a table, CSV or JSON. */
export async function fetchCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('fetch', argv, {
    dataset: { type: 'string' },
    country: { type: 'string' },
    hs: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.help) return help(ctx, 'fetch')
  const { createKcsClient } = await lazy.client()
  const { countries } = await lazy.reference()
  const format = values.json ? 'json' : (values.format ?? (ctx.stdout.isTTY ? 'table' : 'csv'))
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError(
      `fetch: --format must be table, json or csv, got ${quoted(format)}`,
      'e.g. --format csv > rows.csv',
    )
  const from = parseMonth(values.from, 'from', 'fetch')
  const to = parseMonth(values.to, 'to', 'fetch')
  if (monthIndex(to) < monthIndex(from))
    throw new UsageError(
      `fetch: --to ${to} is before --from ${from}`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  const country = values.country === undefined ? undefined : parseCountries(values.country, 'fetch')
  if (country === 'all' || (Array.isArray(country) && country.length !== 1)) {
    throw new UsageError('fetch: --country takes one code', "use 'kcs-trade sync' for several countries")
  }
  const hsList = parseHsList(values.hs, 'fetch')
  if (hsList && hsList.length !== 1)
    throw new UsageError('fetch: --hs takes one prefix', "use 'kcs-trade sync --hs 85,0202' for several")
  const dataset = parseDataset(values.dataset, 'fetch')
  if (dataset !== 'nitemtrade') checkSiblingFilters(dataset, { country: country?.[0], hs: hsList?.[0] })
  else if (!country && !hsList)
    throw new UsageError('fetch: give --country, --hs or both', 'the API requires at least one of them')
  const code = country?.[0]
  if (code && !countries.has(code))
    throw new UsageError(
      `fetch: unknown country code ${code}`,
      `find it with 'kcs-trade lookup country <name>'`,
    )
  const cfg = config(ctx)
  const serviceKey = requireServiceKey(cfg)
  // Sees how connections fail, so that a wrong KCS_BASE_URL is named as such (not "retry later").
  const tracked = trackConnections()
  const kcs = createKcsClient({
    serviceKey,
    baseUrl: cfg.baseUrl,
    timeoutMs: cfg.timeoutMs,
    fetch: tracked.fetch,
  })
  if (dataset !== 'nitemtrade')
    return fetchSibling(ctx, kcs, { dataset, from, to, country: code, hs: hsList?.[0], format })
  const rows: Array<Record<string, unknown>> = []
  // The CSV header goes out with the first row (or at the end of an empty answer): a failed fetch prints nothing.
  const header = lazyHeader(ctx.stdout, csvLine([...ROW_FIELDS]))
  let count = 0
  for (const window of calendarYearWindows(from, to)) {
    const stream = kcs.streamTradeByItemCountry({
      ...window,
      ...(code ? { country: code } : {}),
      ...(hsList ? { hs: hsList[0] } : {}),
    })
    const rowsOf = stream as AsyncIterable<Record<string, unknown>>
    for await (const row of explainUnreachable(rowsOf, tracked, cfg.baseUrl)) {
      count++
      if (format === 'csv') {
        header()
        ctx.stdout.write(csvLine(ROW_FIELDS.map((f) => row[f])))
      } else rows.push(row)
    }
  }
  if (format === 'csv') header()
  else if (format === 'json') json(ctx, rows)
  else if (format === 'table') {
    write(
      ctx.stdout,
      table(
        ['month', 'ctry', 'hs code', 'item', 'export kg', 'export $', 'import kg', 'import $', 'balance $'],
        rows.map((r) => [
          r.period as string,
          r.countryCode as string,
          r.hsCode as string,
          truncate(String(r.itemName), 30),
          r.exportKg as number,
          r.exportUsd as number,
          r.importKg as number,
          r.importUsd as number,
          r.balanceUsd as number,
        ]),
      ),
    )
    write(ctx.stderr, `${count} rows`)
  }
  return 0
}
