/**
 * A runnable example against a local stand-in for the API (no key needed):
 *
 *   pnpm exec tsx --conditions=@kcs-trade/source packages/client/scripts/example.ts
 *
 * With a real key, drop the server and the baseUrl option, and pass serviceKey: process.env.KCS_SERVICE_KEY.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createKcsClient, isKcsError, KcsAuthError } from '@kcs-trade/client'

const item = (
  year: string,
  hs: string,
  name: string,
  expKg: number,
  exp: number,
  impKg: number,
  imp: number,
) =>
  `<item><balPayments>${exp - imp}</balPayments><expDlr>${exp}</expDlr><expWgt>${expKg}</expWgt><hsCd>${hs}</hsCd>` +
  `<impDlr>${imp}</impDlr><impWgt>${impKg}</impWgt><statCd>${hs === '-' ? '-' : 'US'}</statCd>` +
  `<statCdCntnKor1>${hs === '-' ? '-' : '미국'}</statCdCntnKor1><statKor>${name}</statKor><year>${year}</year></item>`

const answer =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><response><header><resultCode>00</resultCode>' +
  '<resultMsg>정상서비스.</resultMsg></header><body><items>' +
  item('총계', '-', '-', 1500, 8_000_000, 900, 12_500_000) +
  item('2025.01', '0202300000', '뼈 없는 것', 1000, 5_000_000, 500, 10_000_000) +
  item('2025.02', '0202300000', '뼈 없는 것', 500, 3_000_000, 400, 2_500_000) +
  '</items></body></response>'

const server = createServer((req, res) => {
  const key = new URL(req.url ?? '/', 'http://x').searchParams.get('serviceKey')
  if (key !== 'my+raw/key==') {
    res.writeHead(403, { 'content-type': 'text/xml' })
    res.end(
      '<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg><returnAuthMsg>SERVICE_KEY_IS_NOT_REGISTERED_ERROR</returnAuthMsg><returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>',
    )
    return
  }
  res.writeHead(200, {
    'content-type': 'application/xml',
    'x-ratelimit-limit': '10000',
    'x-ratelimit-remaining': '9999',
  })
  res.end(answer)
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// The "encoding" form of the key; the client decodes it once and encodes it once on the wire.
const kcs = createKcsClient({ serviceKey: 'my%2Braw%2Fkey%3D%3D', baseUrl, timeoutMs: 60_000, retry: 2 })

const { rows, total, meta } = await kcs.tradeByItemCountry({
  from: '2025-01',
  to: '2025-12',
  country: 'US',
  hs: '0202',
})
console.log(rows)
console.log({
  total,
  sumsMatch: meta.sumsMatch,
  remaining: meta.remaining,
  sha256: meta.bodySha256,
  url: meta.url,
})

const stream = kcs.streamTradeByItemCountry({ from: '202501', to: '202512', country: 'US' })
for await (const row of stream) console.log(row.period, row.hsCode, row.exportUsd)
console.log('streamed', stream.summary?.meta.rowCount, 'rows')

for await (const window of kcs.tradeByItemCountryRange({ from: '2023-07', to: '2025-02', country: 'US' })) {
  console.log(window.query.from, '..', window.query.to, window.rows.length, 'rows')
}

try {
  await createKcsClient({ serviceKey: 'wrong-key', baseUrl, retry: 0 }).tradeByItemCountry({
    from: '2025-01',
    to: '2025-01',
    hs: '02',
  })
} catch (error) {
  if (error instanceof KcsAuthError) console.log(error.reasonCode, error.token, '-', error.hint)
  else if (isKcsError(error)) console.log(error.name, error.message)
  else throw error
}
server.close()
