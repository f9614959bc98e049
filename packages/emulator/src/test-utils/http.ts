/** Test helpers: raw HTTP requests against an emulator and a strict little parser of its answers. */
import { request } from 'node:http'

export const PATH = '/1220000/nitemtrade/getNitemtradeList'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
}

/** GET with node:http, so the query string goes on the wire exactly as written. */
export function get(
  origin: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${pathAndQuery}`, { headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const body = Buffer.concat(parts)
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Query string for the operation; values are put on the wire as given (no encoding). */
export function query(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
  return `${PATH}?${parts.join('&')}`
}

export const FIELDS = [
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
] as const

export type Item = Record<(typeof FIELDS)[number], string>

/** Items of a success body, checked to have exactly the ten fields in alphabetical order. */
export function items(xml: string): Item[] {
  const out: Item[] = []
  const re = /<item>(.*?)<\/item>/gs
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const inner = m[1]!
    const fields = [...inner.matchAll(/<(\w+)>([^<]*)<\/\1>/g)]
    const names = fields.map((f) => f[1])
    if (names.join(',') !== FIELDS.join(',')) throw new Error(`bad item field order: ${names.join(',')}`)
    const rebuilt = fields.map((f) => f[0]).join('')
    if (rebuilt !== inner) throw new Error('unexpected content between fields')
    out.push(Object.fromEntries(fields.map((f) => [f[1], unescapeXml(f[2]!)])) as Item)
  }
  return out
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )
}

/** Client-shaped rows of the data items (the totals row, `year` = 총계, excluded). */
export function dataRows(xml: string) {
  return items(xml)
    .filter((i) => /^\d{4}\.\d{2}$/.test(i.year))
    .map((i) => ({
      period: i.year.replace('.', '-'),
      countryCode: i.statCd,
      countryName: i.statCdCntnKor1,
      hsCode: i.hsCd,
      itemName: i.statKor,
      exportKg: Number(i.expWgt),
      exportUsd: Number(i.expDlr),
      importKg: Number(i.impWgt),
      importUsd: Number(i.impDlr),
      balanceUsd: Number(i.balPayments),
    }))
}

export function resultCode(xml: string): string | undefined {
  return /<resultCode>([^<]*)<\/resultCode>/.exec(xml)?.[1]
}

export function resultMsg(xml: string): string | undefined {
  return /<resultMsg>([^<]*)<\/resultMsg>/.exec(xml)?.[1]
}

export function reasonCode(xml: string): string | undefined {
  return /<returnReasonCode>([^<]*)<\/returnReasonCode>/.exec(xml)?.[1]
}
