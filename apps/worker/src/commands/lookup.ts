import { parse, parsePositiveInt } from '../cli/args.js'
import { type CliContext, json, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { quoted, UsageError } from '../config/errors.js'
import { table } from '../export/format.js'
import { truncate } from './fetch.js'
import { lazy } from './lazy.js'

/** `kcs-trade lookup`: search the country and HS reference tables. */
export async function lookupCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    'lookup',
    argv,
    { json: { type: 'boolean' }, limit: { type: 'string' } },
    true,
  )
  if (values.help) return help(ctx, 'lookup')
  const { countries, hs, hsk } = await lazy.reference()
  const [kind, ...rest] = positionals
  const text = rest.join(' ').trim()
  if (text.length > 200)
    throw new UsageError(
      `lookup: the text to look up is ${text.length} characters long (at most 200)`,
      'give a code or a few words of a name, e.g. kcs-trade lookup hs beef',
    )
  if (kind !== 'hs' && kind !== 'country')
    throw new UsageError(
      `lookup: what to look up? got ${quoted(kind ?? '')}`,
      'kcs-trade lookup hs 0202 | kcs-trade lookup hs beef | kcs-trade lookup country Japan',
    )
  if (!text)
    throw new UsageError(
      `lookup ${kind}: give a code or a name`,
      kind === 'hs' ? 'e.g. kcs-trade lookup hs 0202' : 'e.g. kcs-trade lookup country 일본',
    )
  const limit = parsePositiveInt(values.limit, 'limit', 'lookup', 20, 500)
  if (kind === 'country') {
    const exact = /^[A-Za-z]{2}$/.test(text) ? countries.get(text.toUpperCase()) : undefined
    const byName = exact ?? countries.byName(text)
    const found = byName
      ? [byName]
      : countries
          .all()
          .filter((c) => `${c.nameEn} ${c.nameKo} ${c.kcsNameKo}`.toLowerCase().includes(text.toLowerCase()))
          .slice(0, limit)
    if (values.json)
      json(
        ctx,
        found.map((c) => ({ code: c.code, nameKo: c.nameKo, nameEn: c.nameEn, kcsNameKo: c.kcsNameKo })),
      )
    else if (found.length > 0)
      write(
        ctx.stdout,
        table(
          ['code', 'English', 'Korean', 'KCS spelling'],
          found.map((c) => [c.code, c.nameEn, c.nameKo, c.kcsNameKo]),
        ),
      )
    if (found.length === 0) {
      write(
        ctx.stderr,
        `no country matches ${quoted(text)} (try an English or Korean name, or a 2-letter code)`,
      )
      return 1
    }
    return 0
  }
  const entries: Array<{ code: string; nameEn: string; nameKo?: string | undefined; path?: string }> = []
  if (/^\d+$/.test(text)) {
    if (text.length === 10) {
      const line = hsk.get(text)
      if (line) entries.push({ code: line.code, nameEn: line.nameEn, nameKo: line.nameKo, path: line.pathEn })
    } else {
      const e = hs.get(text) ?? (text.length > 6 ? hsk.get(text) : undefined)
      if (e) entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo })
    }
  }
  if (entries.length === 0) {
    for (const e of hs.search(text, { limit }))
      entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo })
    if (entries.length < limit) {
      for (const e of hsk.search(text, { limit: limit - entries.length }))
        entries.push({ code: e.code, nameEn: e.nameEn, nameKo: e.nameKo, path: e.pathEn })
    }
  }
  if (values.json) json(ctx, entries)
  else if (entries.length > 0)
    write(
      ctx.stdout,
      table(
        ['code', 'English', 'Korean'],
        entries.map((e) => [e.code, truncate(e.path ?? e.nameEn, 70), e.nameKo ?? '']),
      ),
    )
  if (entries.length === 0) {
    write(
      ctx.stderr,
      `no HS code matches ${quoted(text)} (codes are 2, 4, 6 or 10 digits; or search English/Korean text)`,
    )
    return 1
  }
  return 0
}
