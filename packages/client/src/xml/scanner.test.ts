import { describe, expect, it } from 'vitest'
import { ResponseBodyParser } from '../body.js'
import { nitemtradeEndpoint, type TradeRow } from '../endpoint.js'
import { KcsResponseFormatError } from '../errors.js'
import { dataItem, successXml, totalsItem } from '../test-utils/fixtures.js'
import { decodeXmlEntities } from './entities.js'
import { XmlItemScanner } from './scanner.js'

const FIELDS = ['a', 'b', 'c']

function scan(chunks: string[]): { items: (string | undefined)[][]; scanner: XmlItemScanner } {
  const items: (string | undefined)[][] = []
  const scanner = new XmlItemScanner({ itemFields: FIELDS, onItem: (v) => items.push(v.slice()) })
  for (const c of chunks) scanner.write(c)
  scanner.end()
  return { items, scanner }
}

const ok = (body: string) =>
  `<response><header><resultCode>00</resultCode><resultMsg>ok</resultMsg></header><body><items>${body}</items></body></response>`

function formatError(fn: () => unknown): KcsResponseFormatError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(KcsResponseFormatError)
    return e as KcsResponseFormatError
  }
  throw new Error('expected a KcsResponseFormatError')
}

describe('decodeXmlEntities', () => {
  it('decodes the predefined entities and character references', () => {
    expect(decodeXmlEntities('A &amp; B &lt;x&gt; &quot;q&quot; &apos;s&apos;')).toBe(`A & B <x> "q" 's'`)
    expect(decodeXmlEntities('&#38;&#x26;&#xAC00;&#44032;&#x1F600;')).toBe('&&가가😀')
    expect(decodeXmlEntities('no entities')).toBe('no entities')
  })

  it('rejects unknown entities, bare ampersands and invalid characters', () => {
    for (const bad of [
      '&nbsp;',
      'A & B',
      '&amp',
      '&#;',
      '&#x;',
      '&#0;',
      '&#xD800;',
      '&#x110000;',
      '&#12a;',
      '&;',
    ]) {
      formatError(() => decodeXmlEntities(bad))
    }
  })
})

describe('XmlItemScanner', () => {
  it('reads the header and items, by position', () => {
    const { items, scanner } = scan([
      ok('<item><a>1</a><b>x</b><c>y</c></item><item><a>2</a><b></b><c/></item>'),
    ])
    expect(scanner.root).toBe('response')
    expect(scanner.header).toEqual({ resultCode: '00', resultMsg: 'ok' })
    expect(items).toEqual([
      ['1', 'x', 'y'],
      ['2', '', ''],
    ])
  })

  it('accepts children in any order, unknown children, whitespace, comments, CDATA, PIs and attributes', () => {
    const doc = `<?xml version="1.0" encoding="utf-8"?>
<!-- pretty printed -->
<response xmlns:x="urn:x" a='1 > 0'>
  <header>
    <resultCode>00</resultCode>
    <resultMsg>ok</resultMsg>
  </header>
  <body>
    <items>
      <item>
        <c>z</c><!-- c first -->
        <extra>ignored</extra>
        <b><![CDATA[<raw> & ]]>tail</b>
        <?pi data?>
        <a attr="v">A &amp; &#66;</a>
      </item >
    </items>
    <totalCount>1</totalCount>
  </body>
</response>
`
    const { items } = scan([doc])
    expect(items).toEqual([['A & B', '<raw> & tail', 'z']])
  })

  it('handles a chunk boundary at every character', () => {
    const doc = ok(
      '<item><a>1&amp;2</a><b>가나</b><c><![CDATA[x]]></c></item><!--x--><item><a>3</a><b/><c>&#x41;</c></item>',
    )
    const expected = scan([doc]).items
    for (let i = 0; i <= doc.length; i++) {
      expect(scan([doc.slice(0, i), doc.slice(i)]).items).toEqual(expected)
    }
    expect(scan([...doc]).items).toEqual(expected)
  })

  it('rejects malformed documents', () => {
    const bad = [
      ok('<item><a>1</a><b>2</b><c>3</c></itm>'),
      ok('<item><a>1</b></item>'),
      ok('<item><a>1<x/></a></item>'),
      ok('<item><a>1</a><a>2</a></item>'),
      ok('<thing/>'),
      ok('text<item/>'),
      ok('<item>text<a>1</a></item>'),
      ok('<item><a>1 & 2</a></item>'),
      ok('<item><a>&nbsp;</a></item>'),
      ok('<item><a b>1</a></item>'),
      ok('<item><a b=1>1</a></item>'),
      ok('<item><a b="<">1</a></item>'),
      ok('<item><a/ ></item>'),
      ok('<item><1a>1</1a></item>'),
      ok('<item><>1</></item>'),
      ok('<!DOCTYPE x><item/>'),
      ok('<!x>'),
      `${ok('')}<response/>`,
      `${ok('')}trailing`,
      `text${ok('')}`,
      `<?xml version="1.0" encoding="EUC-KR"?>${ok('')}`,
      ` <?xml version="1.0"?>${ok('')}`,
      ok('<?xml version="1.0"?>'),
      '<response><body/><header/></response>',
      '<response><header/><header/></response>',
      '<response><header/><body><items/><items/></body></response>',
      '<response><header><resultCode>00<x/></resultCode></header></response>',
      '<response><header><resultCode>0</resultCode><resultCode>0</resultCode></header></response>',
      '</response>',
      '',
      '   ',
      'plain text',
    ]
    for (const doc of bad) formatError(() => scan([doc]))
  })

  it('reports truncation at every point of a document', () => {
    const doc = ok('<item><a>1</a><b>2</b><c>3</c></item>')
    for (let i = 0; i < doc.length; i++) {
      const e = formatError(() => scan([doc.slice(0, i)]))
      expect(e.message).toMatch(/truncated|no root|not XML/)
    }
  })

  it('refuses to buffer a never-ending token', () => {
    const s = new XmlItemScanner({ itemFields: FIELDS, onItem: () => {} })
    s.write('<response><header><resultCode>')
    formatError(() => {
      for (let i = 0; i < 40; i++) s.write('x'.repeat(64 * 1024))
    })
  })
})

describe('ResponseBodyParser over bytes', () => {
  const rows = [
    {
      year: '2025.01',
      statCd: 'NA',
      statCdCntnKor1: '나미비아',
      hsCd: '0306171090',
      statKor: '새우 & 보리새우',
      expWgt: 10,
      expDlr: 300,
      impWgt: 0,
      impDlr: 0,
    },
    {
      year: '2025.02',
      statCd: 'US',
      statCdCntnKor1: '미국',
      hsCd: '020230',
      statKor: '기타',
      expWgt: -5,
      expDlr: 0,
      impWgt: 7,
      impDlr: 999,
    },
  ]
  const doc = successXml([totalsItem(rows, 3), ...rows.map(dataItem)])
  const bytes = new TextEncoder().encode(doc)

  function parseChunks(chunks: Uint8Array[]) {
    const p = new ResponseBodyParser(nitemtradeEndpoint)
    const out: TradeRow[] = []
    for (const c of chunks) out.push(...p.write(c))
    const last = p.end()
    out.push(...last.rows)
    return { rows: out, summary: last.summary }
  }

  it('gives the same rows and hash for a split at every byte offset (inside UTF-8 sequences too)', () => {
    const whole = parseChunks([bytes])
    expect(whole.rows).toHaveLength(2)
    expect(whole.rows[0]).toEqual({
      period: '2025-01',
      countryCode: 'NA',
      countryName: '나미비아',
      hsCode: '0306171090',
      itemName: '새우 & 보리새우',
      exportKg: 10,
      exportUsd: 300,
      importKg: 0,
      importUsd: 0,
      balanceUsd: 300,
    })
    for (let i = 0; i <= bytes.length; i++) {
      const split = parseChunks([bytes.subarray(0, i), bytes.subarray(i)])
      expect(split.rows).toEqual(whole.rows)
      expect(split.summary).toEqual(whole.summary)
    }
    const oneByOne = parseChunks([...bytes].map((b) => new Uint8Array([b])))
    expect(oneByOne.rows).toEqual(whole.rows)
    expect(oneByOne.summary.bodySha256).toBe(whole.summary.bodySha256)
  })

  it('reports a body truncated at any byte as KcsResponseFormatError', () => {
    for (let i = 0; i < bytes.length; i += 7) {
      formatError(() => parseChunks([bytes.subarray(0, i)]))
    }
  })

  it('does not let the caller reusing its buffer corrupt buffered bytes', () => {
    const err = new TextEncoder().encode(
      '<OpenAPI_ServiceResponse><cmmMsgHeader><returnReasonCode>30</returnReasonCode></cmmMsgHeader></OpenAPI_ServiceResponse>',
    )
    const p = new ResponseBodyParser(nitemtradeEndpoint, { status: 403 })
    const buf = new Uint8Array(10)
    for (let i = 0; i < err.length; i += 10) {
      const n = Math.min(10, err.length - i)
      buf.set(err.subarray(i, i + n))
      p.write(buf.subarray(0, n))
      buf.fill(0)
    }
    expect(() => p.end()).toThrow(/30/)
  })
})
