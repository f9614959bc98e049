/**
 * The XML scanner of KCS answers. Long because it is one state machine over one buffer: its states
 * and transitions are read together, so it stays in one file.
 */
import { KcsResponseFormatError } from '../errors.js'
import { decodeXmlEntities } from './entities.js'

/**
 * An incremental, validating scanner for the KCS envelope
 * `response/{header/*, body/items/item/*}` that takes decoded text in chunks of any size.
 *
 * Why hand-written: the answer is flat and its layout is fixed, so the scanner jumps from `<` to `>`
 * with `indexOf` and hands each item's child texts over by position, with no DOM and no generic SAX
 * event per node. It is still a well-formedness checker for everything it sees: tags must nest and
 * match, entities must be known, text may not appear where the layout has none, and a document that
 * ends early is reported as truncated. BENCHMARKS.md has the figures against saxes and indexOf.
 */

// Where the scanner is, by the innermost open element.
const PROLOG = 0
const EPILOG = 1
const ROOT = 2
const HEADER = 3
const HEADER_FIELD = 4
const BODY = 5
const ITEMS = 6
const ITEM = 7
const FIELD = 8
const OTHER = 9

/** Longest token (tag, text run, comment) the scanner will buffer across chunks. */
const MAX_PENDING = 1 << 20

const NAME = /^[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*$/

export interface ScannerOptions {
  /** Root element of a provider answer, `response` for KCS. */
  rootName?: string
  /** Child elements of `item`, in their usual order (the order speeds up the lookup, nothing more). */
  itemFields: readonly string[]
  /**
   * Called for every complete `item` with the child texts by position in `itemFields`
   * (`undefined` where a child was absent). The array is reused: copy what you keep.
   */
  onItem: (values: (string | undefined)[]) => void
}

export class XmlItemScanner {
  /** Name of the root element, once seen. */
  root: string | undefined
  /** `response/header/*` texts, complete once `headerClosed`. */
  readonly header: Record<string, string> = {}
  headerClosed = false
  /** True once the root element has closed. */
  complete = false

  readonly #rootName: string
  readonly #fields: readonly string[]
  readonly #fieldIndex = new Map<string, number>()
  readonly #onItem: (values: (string | undefined)[]) => void
  readonly #values: (string | undefined)[]
  readonly #openTags: readonly number[][]
  readonly #closeTags: readonly number[][]

  #rest = ''
  #consumed = 0
  #started = false
  #names: string[] = []
  #modes: number[] = []
  #mode = PROLOG
  #text = ''
  #fieldSlot = -1
  #nextSlot = 0
  #sawItems = false
  /** Index of the next "&" in the current buffer (buffer length if none); -1 = not searched yet. */
  #nextAmp = -1

  constructor(options: ScannerOptions) {
    this.#rootName = options.rootName ?? 'response'
    this.#fields = options.itemFields
    options.itemFields.forEach((name, i) => {
      this.#fieldIndex.set(name, i)
    })
    this.#onItem = options.onItem
    this.#values = new Array(options.itemFields.length).fill(undefined)
    const codes = (tag: string) => [...tag].map((c) => c.charCodeAt(0))
    this.#openTags = options.itemFields.map((f) => codes(`<${f}>`))
    this.#closeTags = options.itemFields.map((f) => codes(`</${f}>`))
  }

  #fail(message: string, at?: number, retryable?: boolean): never {
    const where = at === undefined ? '' : ` at character ${this.#consumed + at}`
    throw new KcsResponseFormatError(`${message}${where}`, retryable ? { retryable } : {})
  }

  write(chunk: string): void {
    const buf = this.#rest.length > 0 ? this.#rest + chunk : chunk
    const len = buf.length
    this.#nextAmp = -1
    let pos = 0
    while (pos < len) {
      const lt = buf.indexOf('<', pos)
      if (lt === -1) break
      if (lt > pos) this.#onText(buf, pos, lt)
      pos = lt
      if (lt + 1 >= len) break
      const c = buf.charCodeAt(lt + 1)
      if (c === 105 /* i */ && this.#mode === ITEMS) {
        const next = this.#fastItem(buf, lt)
        if (next !== -1) {
          pos = next
          continue
        }
      }
      if (c === 47 /* / */) {
        const gt = buf.indexOf('>', lt + 2)
        if (gt === -1) break
        this.#onEndTag(buf, lt + 2, gt)
        pos = gt + 1
      } else if (c === 33 /* ! */) {
        const next = this.#onBang(buf, lt)
        if (next === -1) break
        pos = next
      } else if (c === 63 /* ? */) {
        const end = buf.indexOf('?>', lt + 2)
        if (end === -1) break
        this.#onPi(buf, lt, end)
        pos = end + 2
      } else {
        const next = this.#onStartTag(buf, lt)
        if (next === -1) break
        pos = next
      }
      this.#started = true
    }
    if (pos < len) {
      if (len - pos > MAX_PENDING)
        this.#fail(`a token or text run longer than ${MAX_PENDING} characters`, pos)
      this.#rest = buf.slice(pos)
    } else {
      this.#rest = ''
    }
    this.#consumed += pos
  }

  /**
   * The common case in one pass: a complete `<item>` whose children are exactly the expected ones,
   * in the expected order, without attributes, whitespace or markup inside. Returns the index after
   * `</item>`, or -1 to let the general path handle the item (which also reports any error).
   */
  #fastItem(buf: string, lt: number): number {
    if (!matchAt(buf, lt, ITEM_OPEN)) return -1
    const opens = this.#openTags
    const closes = this.#closeTags
    const values = this.#values
    const n = opens.length
    const len = buf.length
    let p = lt + 6
    // One search for "&" serves many items: entities are rare.
    let amp = this.#nextAmp
    if (amp < p) {
      const found = buf.indexOf('&', p)
      amp = this.#nextAmp = found === -1 ? len : found
    }
    // Tags and short texts are compared and scanned with charCodeAt, which the JIT inlines; a
    // builtin call (startsWith, indexOf) per tag costs more than the comparison itself.
    for (let k = 0; k < n; k++) {
      const open = opens[k]!
      if (!matchAt(buf, p, open)) return -1
      p += open.length
      let end = p
      while (end < len && buf.charCodeAt(end) !== 60) end++
      if (end === len) return -1
      const close = closes[k]!
      if (!matchAt(buf, end, close)) return -1
      let v = buf.slice(p, end)
      if (amp < end) {
        v = decodeXmlEntities(v)
        const next = buf.indexOf('&', end)
        amp = this.#nextAmp = next === -1 ? len : next
      }
      values[k] = v
      p = end + close.length
    }
    if (!matchAt(buf, p, ITEM_CLOSE)) return -1
    this.#onItem(values)
    return p + 7
  }

  /** Call after the last chunk: throws if the document is incomplete or has trailing content. */
  end(): void {
    const rest = this.#rest
    if (rest.length > 0) {
      if ((this.#mode === EPILOG || this.#mode === PROLOG) && isBlank(rest, 0, rest.length)) {
        // trailing whitespace is fine
      } else if (this.#mode === EPILOG) {
        this.#fail(`unexpected trailing content "${rest.slice(0, 40)}"`, 0)
      } else if (this.#mode === PROLOG && rest.indexOf('<') === -1) {
        this.#fail(`the body is not XML: "${rest.slice(0, 40)}"`, 0)
      } else {
        const open = this.#names[this.#names.length - 1]
        // A body cut short (a dropped connection, a proxy ending the response early): asking again may succeed.
        this.#fail(`the document is truncated${open ? ` inside <${open}>` : ''}`, 0, true)
      }
    }
    if (this.root === undefined) this.#fail('the document has no root element')
    if (!this.complete) {
      this.#fail(
        `the document is truncated: <${this.#names[this.#names.length - 1]}> is never closed`,
        undefined,
        true,
      )
    }
  }

  #onText(buf: string, start: number, end: number): void {
    const mode = this.#mode
    if (mode === FIELD || mode === HEADER_FIELD) {
      let t = buf.slice(start, end)
      if (t.indexOf('&') !== -1) t = decodeXmlEntities(t)
      this.#text = this.#text.length === 0 ? t : this.#text + t
    } else if (mode === OTHER) {
      const t = buf.slice(start, end)
      if (t.indexOf('&') !== -1) decodeXmlEntities(t)
    } else if (!isBlank(buf, start, end)) {
      const where =
        mode === PROLOG
          ? 'before the root element'
          : mode === EPILOG
            ? 'after the root element'
            : `inside <${this.#names[this.#names.length - 1]}>`
      this.#fail(`unexpected text "${buf.slice(start, Math.min(end, start + 40))}" ${where}`, start)
    }
  }

  #onStartTag(buf: string, lt: number): number {
    const gt = buf.indexOf('>', lt + 1)
    if (gt === -1) return -1
    let nameEnd = lt + 1
    // The name ends at whitespace, "/" or ">".
    while (nameEnd < gt) {
      const ch = buf.charCodeAt(nameEnd)
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 47) break
      nameEnd++
    }
    const name = buf.slice(lt + 1, nameEnd)
    let next = gt + 1
    let selfClosing = false
    if (nameEnd < gt) {
      // Attributes and/or "/": parse them properly, a quoted value may contain ">".
      const r = this.#skipAttributes(buf, nameEnd)
      if (r === -1) return -1
      next = r
      selfClosing = buf.charCodeAt(r - 2) === 47
    }
    this.#open(name, lt)
    if (selfClosing) this.#close(name, lt)
    return next
  }

  /** Returns the index after the tag's ">" (or -1 if incomplete), validating attribute syntax. */
  #skipAttributes(buf: string, start: number): number {
    const len = buf.length
    let i = start
    for (;;) {
      let ws = false
      while (i < len && isSpace(buf.charCodeAt(i))) {
        i++
        ws = true
      }
      if (i >= len) return -1
      const ch = buf.charCodeAt(i)
      if (ch === 62 /* > */) return i + 1
      if (ch === 47 /* / */) {
        if (i + 1 >= len) return -1
        if (buf.charCodeAt(i + 1) !== 62) this.#fail('"/" inside a tag', i)
        return i + 2
      }
      if (!ws) this.#fail('attributes must be separated by whitespace', i)
      const eq = buf.indexOf('=', i)
      if (eq === -1) {
        if (len - i > 256) this.#fail('malformed attribute', i)
        return -1
      }
      const attrName = buf.slice(i, eq).trimEnd()
      if (!NAME.test(attrName)) this.#fail(`malformed attribute name "${attrName.slice(0, 40)}"`, i)
      i = eq + 1
      while (i < len && isSpace(buf.charCodeAt(i))) i++
      if (i >= len) return -1
      const q = buf.charCodeAt(i)
      if (q !== 34 && q !== 39) this.#fail(`attribute ${attrName} has an unquoted value`, i)
      const close = buf.indexOf(q === 34 ? '"' : "'", i + 1)
      if (close === -1) return -1
      const value = buf.slice(i + 1, close)
      if (value.indexOf('<') !== -1) this.#fail(`"<" inside the value of attribute ${attrName}`, i)
      if (value.indexOf('&') !== -1) decodeXmlEntities(value)
      i = close + 1
    }
  }

  #checkName(name: string, at: number): void {
    if (!NAME.test(name)) this.#fail(`malformed element name "${name.slice(0, 40)}"`, at)
  }

  #open(name: string, at: number): void {
    const parent = this.#mode
    let mode: number
    switch (parent) {
      case ITEM: {
        mode = FIELD
        // Children usually come in the documented order: try the expected slot first.
        let slot = this.#fields[this.#nextSlot] === name ? this.#nextSlot : this.#fieldIndex.get(name)
        if (slot === undefined) {
          this.#checkName(name, at)
          slot = -1
        } else {
          if (this.#values[slot] !== undefined) this.#fail(`<${name}> appears twice in one <item>`, at)
          this.#nextSlot = slot + 1
        }
        this.#fieldSlot = slot
        this.#text = ''
        break
      }
      case ITEMS:
        if (name !== 'item') this.#fail(`unexpected <${name.slice(0, 40)}> inside <items>`, at)
        mode = ITEM
        this.#values.fill(undefined)
        this.#nextSlot = 0
        break
      case FIELD:
      case HEADER_FIELD:
        this.#fail(
          `unexpected element <${name.slice(0, 40)}> inside <${this.#names[this.#names.length - 1]}>`,
          at,
        )
        break
      case PROLOG:
        this.#checkName(name, at)
        this.root = name
        mode = name === this.#rootName ? ROOT : OTHER
        break
      case EPILOG:
        this.#fail(`a second root element <${name.slice(0, 40)}>`, at)
        break
      case ROOT:
        if (name === 'header') {
          if (this.headerClosed) this.#fail('a second <header>', at)
          mode = HEADER
        } else if (name === 'body') {
          if (!this.headerClosed) this.#fail('<body> before <header>', at)
          mode = BODY
        } else {
          this.#checkName(name, at)
          mode = OTHER
        }
        break
      case HEADER:
        this.#checkName(name, at)
        mode = HEADER_FIELD
        this.#text = ''
        break
      case BODY:
        if (name === 'items') {
          if (this.#sawItems) this.#fail('a second <items>', at)
          this.#sawItems = true
          mode = ITEMS
        } else {
          this.#checkName(name, at)
          mode = OTHER
        }
        break
      default:
        this.#checkName(name, at)
        mode = OTHER
    }
    this.#names.push(name)
    this.#modes.push(parent)
    this.#mode = mode
  }

  #onEndTag(buf: string, start: number, gt: number): void {
    let end = gt
    while (end > start && isSpace(buf.charCodeAt(end - 1))) end--
    this.#close(buf.slice(start, end), start - 2)
  }

  #close(name: string, at: number): void {
    const names = this.#names
    const open = names[names.length - 1]
    if (open !== name) {
      if (open === undefined) this.#fail(`closing tag </${name.slice(0, 40)}> without an open element`, at)
      this.#fail(`closing tag </${name.slice(0, 40)}> does not match <${open}>`, at)
    }
    switch (this.#mode) {
      case FIELD:
        if (this.#fieldSlot >= 0) this.#values[this.#fieldSlot] = this.#text
        this.#text = ''
        break
      case ITEM:
        this.#onItem(this.#values)
        break
      case HEADER_FIELD:
        if (Object.hasOwn(this.header, name)) this.#fail(`<${name}> appears twice in <header>`, at)
        this.header[name] = this.#text
        this.#text = ''
        break
      case HEADER:
        this.headerClosed = true
        break
    }
    names.pop()
    const parent = this.#modes.pop()!
    if (parent === PROLOG) {
      this.complete = true
      this.#mode = EPILOG
    } else {
      this.#mode = parent
    }
  }

  /** `<!--`, `<![CDATA[` or a DTD (rejected). Returns the index after the construct or -1 to wait. */
  #onBang(buf: string, lt: number): number {
    if (buf.startsWith('<!--', lt)) {
      const end = buf.indexOf('-->', lt + 4)
      return end === -1 ? -1 : end + 3
    }
    if (buf.startsWith('<![CDATA[', lt)) {
      const end = buf.indexOf(']]>', lt + 9)
      if (end === -1) return -1
      const mode = this.#mode
      if (mode === FIELD || mode === HEADER_FIELD) {
        this.#text += buf.slice(lt + 9, end)
      } else if (mode !== OTHER && !isBlank(buf, lt + 9, end)) {
        this.#fail('unexpected CDATA section', lt)
      }
      return end + 3
    }
    const head = buf.slice(lt, lt + 9)
    if (head.toUpperCase() === '<!DOCTYPE') this.#fail('DTDs are not supported', lt)
    // Too short to tell which construct this is: wait for more text.
    if (head.length < 9 && ['<!--', '<![CDATA[', '<!DOCTYPE'].some((p) => p.startsWith(head.toUpperCase()))) {
      return -1
    }
    this.#fail(`malformed markup "${head}"`, lt)
  }

  #onPi(buf: string, lt: number, end: number): void {
    const body = buf.slice(lt + 2, end)
    const target = /^[^\s?]+/.exec(body)?.[0] ?? ''
    if (target.toLowerCase() === 'xml') {
      if (target !== 'xml' || this.#started || this.#consumed + lt !== 0) {
        this.#fail('the XML declaration may only appear at the very start', lt)
      }
      const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(body)?.[1]
      if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) {
        this.#fail(`unsupported encoding "${encoding.slice(0, 40)}" (the API answers UTF-8)`, lt)
      }
      return
    }
    if (target === '' || !NAME.test(target)) this.#fail('malformed processing instruction', lt)
  }
}

const ITEM_OPEN = [...'<item>'].map((c) => c.charCodeAt(0))
const ITEM_CLOSE = [...'</item>'].map((c) => c.charCodeAt(0))

/** Whether `buf` holds the characters `codes` at `at` (false when it runs out). */
function matchAt(buf: string, at: number, codes: readonly number[]): boolean {
  const n = codes.length
  if (at + n > buf.length) return false
  for (let i = 0; i < n; i++) if (buf.charCodeAt(at + i) !== codes[i]) return false
  return true
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 9 || ch === 13
}

function isBlank(buf: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(buf.charCodeAt(i))) return false
  return true
}
