/**
 * The response body parser: bytes in, rows or a typed error out. One class whose three modes (sniff,
 * stream, buffer) share its state, so it reads best whole; `body-options.ts` holds its options and checks.
 */
import {
  assertEndpointLayout,
  type BodyParserOptions,
  type BodySummary,
  checkParserOptions,
  textFields,
} from './body-options.js'
import { classifyBody } from './classify.js'
import { type CompiledEndpoint, compileEndpoint, type EndpointLayout } from './endpoint.js'
import { isKcsError, type KcsError, KcsResponseFormatError, KcsValidationError } from './errors.js'
import { assertBytes } from './guards.js'
import { createSha256, type IncrementalHash } from './sha256.js'
import { XmlItemScanner } from './xml/scanner.js'

export { assertEndpointLayout, type BodyParserOptions, type BodySummary } from './body-options.js'

/** Error documents are small; anything bigger that is not a data answer is not worth holding. */
const MAX_BUFFERED_BYTES = 1 << 20
/** Bytes decoded at a time (see write()). */
const DECODE_SLICE = 16 * 1024

const SNIFF = 0
const STREAM = 1
const BUFFER = 2

const identity = (s: string) => s
const NO_ROWS: never[] = []

/**
 * Turns raw body bytes, pushed in chunks of any size, into rows — or into the `KcsError` the body
 * stands for. It hashes every byte, decodes UTF-8 incrementally, and streams items through the
 * scanner once the header says `00`; anything else (gateway errors, provider errors, text, HTML,
 * JSON) is buffered (≤ 1 MiB) and classified at the end.
 */
export class ResponseBodyParser<TRow = unknown, TTotals = unknown> {
  readonly #compiled: CompiledEndpoint<TRow, TTotals>
  readonly #def: EndpointLayout<TRow, TTotals>
  readonly #options: BodyParserOptions
  readonly #status: number
  readonly #redact: (text: string) => string
  /** Text fields of rows and totals, redacted when a `redact` option is given (else empty). */
  readonly #textKeys: readonly string[]
  readonly #totalTextKeys: readonly string[]
  readonly #hash: IncrementalHash | null
  #bytes = 0
  readonly #decoder = new TextDecoder('utf-8', { fatal: true })
  readonly #scanner: XmlItemScanner
  readonly #sums: number[]
  readonly #exactKeys: readonly string[]
  readonly #approxKeys: readonly string[]

  #mode: number
  #buffered: Uint8Array[] = []
  #bufferedBytes = 0
  #overflow = false
  #scannerError: KcsError | undefined
  #pending: TRow[] = []
  #total: TTotals | null = null
  #rowCount = 0
  #inconsistent = 0
  #ended = false

  /** Throws `KcsValidationError` for an endpoint that is not a definition or malformed options. */
  constructor(endpoint: EndpointLayout<TRow, TTotals>, options: BodyParserOptions = {}) {
    assertEndpointLayout(endpoint)
    options = checkParserOptions(options)
    this.#def = endpoint
    this.#compiled = compileEndpoint(endpoint)
    this.#options = options
    this.#status = options.status ?? 200
    this.#redact = options.redact ?? identity
    this.#textKeys = options.redact ? textFields(endpoint.fields) : []
    this.#totalTextKeys = options.redact ? textFields(endpoint.totals.fields) : []
    this.#hash = options.hash === false ? null : createSha256()
    this.#exactKeys = endpoint.exactSums
    this.#approxKeys = endpoint.approximateSums
    this.#sums = new Array(this.#exactKeys.length + this.#approxKeys.length).fill(0)
    this.#mode = this.#status >= 200 && this.#status < 300 ? SNIFF : BUFFER
    this.#scanner = new XmlItemScanner({
      itemFields: this.#compiled.itemFields,
      onItem: (values) => this.#onItem(values),
    })
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes
  }

  #onItem(values: (string | undefined)[]): void {
    // The header closed earlier in this same chunk: settle the mode before the first row.
    if (this.#mode === SNIFF) this.#decide()
    if (this.#mode !== STREAM) return
    const c = this.#compiled
    if (c.isTotals(values)) {
      if (this.#total !== null) throw new KcsResponseFormatError('the answer has two totals rows')
      this.#total = this.#redactRow(c.mapTotals(values), this.#totalTextKeys)
      return
    }
    const row = this.#redactRow(c.mapRow(values), this.#textKeys)
    c.accumulate(row, this.#sums)
    if (this.#def.rowInvariant && !this.#def.rowInvariant(row)) this.#inconsistent++
    this.#rowCount++
    this.#pending.push(row)
  }

  #redactRow<T>(row: T, keys: readonly string[]): T {
    const r = row as Record<string, unknown>
    for (const k of keys) {
      const v = r[k]
      if (typeof v === 'string') r[k] = this.#redact(v)
    }
    return row
  }

  #keep(chunk: Uint8Array): void {
    if (this.#overflow) return
    if (this.#bufferedBytes + chunk.length > MAX_BUFFERED_BYTES) {
      this.#overflow = true
      return
    }
    // Copy: the caller may reuse its buffer.
    this.#buffered.push(chunk.slice())
    this.#bufferedBytes += chunk.length
  }

  #toBuffer(error?: KcsError): void {
    this.#mode = BUFFER
    if (error) this.#scannerError = error
  }

  /** Feeds the next chunk of raw bytes; returns the data rows completed by it (possibly none). */
  write(chunk: Uint8Array): TRow[] {
    if (this.#ended)
      throw new KcsValidationError(
        'chunk',
        'write() was called after end(): the body is already complete.',
        'Make a new ResponseBodyParser for each response body.',
      )
    assertBytes(chunk, 'chunk')
    this.#hash?.update(chunk)
    this.#bytes += chunk.length
    const max = this.#options.maxBytes
    if (max !== undefined && this.#bytes > max) {
      throw new KcsResponseFormatError(
        `the body is longer than ${max} bytes (maxBodyBytes); the largest real answers are ~21 MB`,
        this.#errorOptions(),
      )
    }
    if (this.#mode === BUFFER) {
      this.#keep(chunk)
      // A 2xx body that is neither a data answer nor a small error document: no need to read the rest.
      if (this.#overflow && this.#status >= 200 && this.#status < 300) throw this.#overflowError()
      return NO_ROWS
    }
    if (this.#mode === SNIFF) this.#keep(chunk)
    // Decode in slices of at most 16 KiB: the strings stay small enough for the young generation,
    // where the garbage collector frees them cheaply (a 64 KiB chunk decodes to a ~128 KB string,
    // which V8 puts in large-object space and frees only with a full collection).
    for (let from = 0; from < chunk.length && this.#mode !== BUFFER; from += DECODE_SLICE) {
      let text: string
      try {
        text = this.#decoder.decode(chunk.subarray(from, from + DECODE_SLICE), { stream: true })
      } catch {
        const err = new KcsResponseFormatError('the body is not valid UTF-8', this.#errorOptions())
        if (this.#mode === SNIFF) {
          this.#toBuffer(err)
          return NO_ROWS
        }
        throw err
      }
      this.#feed(text)
    }
    if (this.#mode === BUFFER) return NO_ROWS
    return this.#takeRows()
  }

  /**
   * True once more bytes cannot change the outcome: an error document past the 1 MiB kept for
   * classification. The caller may stop reading and call `end()`.
   */
  get saturated(): boolean {
    return this.#mode === BUFFER && this.#overflow
  }

  /** The current mode, for tests: `sniff`, `stream` or `buffer`. */
  get mode(): 'sniff' | 'stream' | 'buffer' {
    return this.#mode === SNIFF ? 'sniff' : this.#mode === STREAM ? 'stream' : 'buffer'
  }

  #feed(text: string): void {
    if (this.#mode === STREAM) {
      this.#scan(text)
      return
    }
    try {
      this.#scanner.write(text)
    } catch (e) {
      if (this.#mode === STREAM) throw isKcsError(e) ? this.#withContext(e) : e
      // While sniffing, a body the scanner refuses may still be an error page: classify it at the end.
      this.#toBuffer(isKcsError(e) ? this.#withContext(e) : undefined)
      this.#pending = []
      return
    }
    this.#decide()
  }

  #scan(text: string): void {
    try {
      this.#scanner.write(text)
    } catch (e) {
      throw isKcsError(e) ? this.#withContext(e) : e
    }
  }

  #decide(): void {
    const s = this.#scanner
    if (s.root !== undefined && s.root !== 'response') {
      this.#toBuffer()
    } else if (s.headerClosed) {
      const code = s.header.resultCode ?? ''
      if (/^\d{1,4}$/.test(code) && Number(code) === 0) {
        this.#mode = STREAM
        this.#buffered = []
        this.#bufferedBytes = 0
      } else {
        this.#toBuffer()
      }
    } else if (this.#bufferedBytes > 64 * 1024) {
      this.#toBuffer(
        new KcsResponseFormatError('no <header> with a resultCode in the first 64 KiB', this.#errorOptions()),
      )
    }
  }

  #takeRows(): TRow[] {
    if (this.#pending.length === 0) return NO_ROWS
    const rows = this.#pending
    this.#pending = []
    return rows
  }

  #overflowError(): KcsResponseFormatError {
    return new KcsResponseFormatError(
      `a body of more than ${MAX_BUFFERED_BYTES} bytes that is not a data answer (only small error documents are expected besides data)`,
      this.#errorOptions(),
    )
  }

  #errorOptions() {
    return {
      status: this.#status,
      ...(this.#options.url === undefined ? {} : { url: this.#options.url }),
    }
  }

  #withContext(e: KcsError): KcsError {
    if (e.url === undefined && this.#options.url !== undefined) e.url = this.#options.url
    if (e.status === undefined) e.status = this.#status
    return e
  }

  /**
   * Ends the body. Returns the last rows and the summary, or throws the `KcsError` the body stands
   * for (gateway/provider error, truncated or malformed XML, …).
   */
  end(): { rows: TRow[]; summary: BodySummary<TTotals> } {
    if (this.#ended)
      throw new KcsValidationError(
        'end',
        'end() was called twice.',
        'Call end() once per body; make a new ResponseBodyParser for the next response.',
      )
    this.#ended = true
    const bodySha256 = this.#hash?.digestHex() ?? ''
    const bytes = this.#bytes
    if (this.#mode !== BUFFER) {
      let tail = ''
      try {
        tail = this.#decoder.decode()
      } catch {
        const err = new KcsResponseFormatError('the body ends inside a UTF-8 sequence (truncated)', {
          ...this.#errorOptions(),
          retryable: true,
        })
        if (this.#mode === STREAM) throw err
        this.#toBuffer(err)
      }
      if (this.#mode !== BUFFER) {
        if (tail) this.#feed(tail)
        if (this.#mode === STREAM) {
          try {
            this.#scanner.end()
          } catch (e) {
            throw isKcsError(e) ? this.#withContext(e) : e
          }
          return { rows: this.#takeRows(), summary: this.#summary(bytes, bodySha256) }
        }
        if (this.#mode === SNIFF) {
          try {
            this.#scanner.end()
          } catch (e) {
            if (isKcsError(e)) this.#scannerError = this.#withContext(e)
          }
        }
      }
    }
    // Everything else is a small document standing for an error (or a provider "no data").
    if (this.#overflow && this.#status >= 200 && this.#status < 300) throw this.#overflowError()
    const raw = concat(this.#buffered, this.#bufferedBytes)
    const text = new TextDecoder('utf-8').decode(raw)
    const outcome = classifyBody(text, {
      status: this.#status,
      redact: this.#redact,
      ...(this.#options.url === undefined ? {} : { url: this.#options.url }),
      ...(this.#options.retryAfterMs === undefined ? {} : { retryAfterMs: this.#options.retryAfterMs }),
      ...(this.#options.now === undefined ? {} : { now: this.#options.now }),
      ...(this.#scannerError === undefined ? {} : { scannerError: this.#scannerError }),
    })
    if (isKcsError(outcome)) throw outcome
    return {
      rows: [],
      summary: {
        total: null,
        rowCount: 0,
        sumsMatch: null,
        weightDiffKg: null,
        inconsistentRows: 0,
        bytes,
        bodySha256,
        resultCode: outcome.resultCode,
        resultMsg: outcome.resultMsg,
      },
    }
  }

  #summary(bytes: number, bodySha256: string): BodySummary<TTotals> {
    const total = this.#total
    let sumsMatch: boolean | null = null
    let weightDiffKg: Record<string, number> | null = null
    if (total !== null) {
      const t = total as Record<string, number>
      const exact = this.#exactKeys
      sumsMatch = true
      for (let i = 0; i < exact.length; i++) {
        const sum = this.#sums[i]!
        // Beyond 2^53 the sum itself is no longer exact: then it cannot prove a match.
        if (!Number.isSafeInteger(sum) || sum !== t[exact[i]!]) sumsMatch = false
      }
      // Endpoints without weights (the count-carrying siblings) have nothing to report here.
      if (this.#approxKeys.length > 0) {
        weightDiffKg = {}
        this.#approxKeys.forEach((k, i) => {
          weightDiffKg![k] = t[k]! - this.#sums[exact.length + i]!
        })
      }
    }
    return {
      total,
      rowCount: this.#rowCount,
      sumsMatch,
      weightDiffKg,
      inconsistentRows: this.#inconsistent,
      bytes,
      bodySha256,
      resultCode: this.#scanner.header.resultCode ?? '',
      resultMsg: this.#redact(this.#scanner.header.resultMsg ?? ''),
    }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** The result of {@link parseResponseBody}. */
export interface ParsedBody<TRow, TTotals> {
  /** Data rows in body order, the totals row excluded. */
  rows: TRow[]
  /** The totals row, or null when the body has none. */
  total: TTotals | null
  /** Counts, checks and the hash of the body. */
  summary: BodySummary<TTotals>
}

/**
 * Parses a complete body (e.g. a saved answer) the same way the client parses a live one.
 * Returns the rows and totals, or throws the `KcsError` the body stands for.
 */
export function parseResponseBody<TRow, TTotals>(
  endpoint: EndpointLayout<TRow, TTotals>,
  body: string | Uint8Array,
  options: BodyParserOptions = {},
): ParsedBody<TRow, TTotals> {
  const parser = new ResponseBodyParser(endpoint, options)
  if (typeof body !== 'string') assertBytes(body, 'body')
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const rows = parser.write(bytes).slice()
  const last = parser.end()
  for (const r of last.rows) rows.push(r)
  return { rows, total: last.summary.total, summary: last.summary }
}
