import { XMLParser, XMLValidator } from 'fast-xml-parser'
import {
  createGatewayError,
  GATEWAY_REASONS,
  gatewayCodeForToken,
  type KcsError,
  KcsHttpError,
  KcsResponseFormatError,
  KcsServiceError,
} from './errors.js'

/**
 * Classifies any body that is not a streaming success answer: gateway errors (both XML layouts and
 * JSON), provider errors (`resultCode` ≠ 00), plain text and HTML, with any HTTP status. The HTTP
 * status alone tells nothing (gateway errors come with 200, 400, 401, 403…), so the content decides
 * first and the status only when the content is not recognisable.
 *
 * Only small documents reach this path, so fast-xml-parser parses them whole.
 */

export interface ClassifyContext {
  status: number
  /** Redacts the service key from any text copied into an error. */
  redact: (text: string) => string
  url?: string
  retryAfterMs?: number
  now?: Date
  /** Why the streaming scanner gave up on this body, if it did. */
  scannerError?: KcsError
}

/** The body is a provider "no data" answer (03): an empty result, not an error. */
export interface NoDataAnswer {
  kind: 'no-data'
  resultCode: string
  resultMsg: string
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // The predefined entities, character references and fixed HTML entities are decoded; a DTD is
  // never read (classifyBody refuses documents with one before they get here), so no entity a body
  // declares itself is expanded (no "billion laughs", no external entities).
  processEntities: true,
  htmlEntities: true,
  // Error documents are three levels deep; a deeply nested body is hostile, not an error document.
  maxNestedTags: 32,
})

/** A DTD (internal entities, external SYSTEM/PUBLIC entities) is never processed. */
const DTD = /<!(DOCTYPE|ENTITY)/i

const TOKEN_IN_TEXT = /\b(SERVICE_KEY_IS_NULL|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_ERROR)\b/

function isToken(s: string): boolean {
  return /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(s)
}

function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'object' && '#text' in (value as Record<string, unknown>)) {
    return text((value as Record<string, unknown>)['#text'])
  }
  return ''
}

function snippet(body: string, ctx: ClassifyContext): string {
  const flat = body.replace(/\s+/g, ' ').trim()
  const short = flat.length > 200 ? `${flat.slice(0, 200)}…` : flat
  return ctx.redact(short)
}

function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300
}

function common(ctx: ClassifyContext) {
  return {
    status: ctx.status,
    ...(ctx.url === undefined ? {} : { url: ctx.url }),
  }
}

/** `OpenAPI_ServiceResponse/cmmMsgHeader`, legacy or current layout, XML or JSON. */
function fromGatewayHeader(header: Record<string, unknown>, ctx: ClassifyContext): KcsError {
  const errMsg = ctx.redact(text(header.errMsg))
  const authMsg = ctx.redact(text(header.returnAuthMsg))
  const codeText = text(header.returnReasonCode)
  // Legacy layout: errMsg "SERVICE ERROR", token in returnAuthMsg. Current: token in errMsg.
  const token = isToken(errMsg) ? errMsg : isToken(authMsg) ? authMsg : ''
  const description = [errMsg, authMsg]
    .filter((s) => s !== '' && s !== token && s !== 'SERVICE ERROR')
    .join(' — ')
  let code = /^\s*\d{1,4}\s*$/.test(codeText) ? Number(codeText) : Number.NaN
  if (Number.isNaN(code)) code = token ? (gatewayCodeForToken(token) ?? 99) : 99
  return createGatewayError(code, token || GATEWAY_REASONS[code]?.token || 'UNKNOWN_ERROR', {
    ...common(ctx),
    layer: 'gateway',
    ...(description ? { description } : {}),
    ...(ctx.retryAfterMs === undefined ? {} : { retryAfterMs: ctx.retryAfterMs }),
    ...(ctx.now === undefined ? {} : { now: ctx.now }),
  })
}

/** `response/header/{resultCode,resultMsg}` with a code other than 00. */
function fromProviderHeader(header: Record<string, unknown>, ctx: ClassifyContext): KcsError | NoDataAnswer {
  const resultCode = text(header.resultCode)
  const resultMsg = ctx.redact(text(header.resultMsg))
  const code = /^\d{1,4}$/.test(resultCode) ? Number(resultCode) : Number.NaN
  if (code === 0) {
    // A success envelope that did not arrive as a success: a non-2xx status, or a layout the
    // streaming scanner refused.
    if (!isSuccessStatus(ctx.status))
      return new KcsHttpError(ctx.status, `success envelope with HTTP ${ctx.status}`, common(ctx))
    return ctx.scannerError ?? new KcsResponseFormatError('unexpected success document', common(ctx))
  }
  if (code === 3) return { kind: 'no-data', resultCode, resultMsg }
  if ([20, 21, 22, 23, 29, 30, 31, 32, 33].includes(code)) {
    return createGatewayError(code, GATEWAY_REASONS[code]?.token ?? 'UNKNOWN_ERROR', {
      ...common(ctx),
      layer: 'provider',
      ...(resultMsg ? { description: resultMsg } : {}),
      ...(ctx.retryAfterMs === undefined ? {} : { retryAfterMs: ctx.retryAfterMs }),
      ...(ctx.now === undefined ? {} : { now: ctx.now }),
    })
  }
  const retryable = code === 1 || code === 2 || code === 5
  return new KcsServiceError(resultCode || '(none)', resultMsg, { ...common(ctx), retryable })
}

function fromObject(doc: unknown, ctx: ClassifyContext): KcsError | NoDataAnswer | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined
  const d = doc as Record<string, unknown>
  const gw = d.OpenAPI_ServiceResponse as Record<string, unknown> | undefined
  const cmm = (gw && typeof gw === 'object' ? gw.cmmMsgHeader : undefined) ?? d.cmmMsgHeader
  if (cmm && typeof cmm === 'object') return fromGatewayHeader(cmm as Record<string, unknown>, ctx)
  const response = d.response as Record<string, unknown> | undefined
  const header = response && typeof response === 'object' ? response.header : undefined
  if (header && typeof header === 'object' && 'resultCode' in header) {
    return fromProviderHeader(header as Record<string, unknown>, ctx)
  }
  return undefined
}

function fromPlainText(body: string, ctx: ClassifyContext, kind: 'text' | 'HTML' | 'XML' | 'JSON'): KcsError {
  const token = TOKEN_IN_TEXT.exec(body)?.[1]
  const code = token === undefined ? undefined : gatewayCodeForToken(token)
  if (token !== undefined && code !== undefined) {
    return createGatewayError(code, token, {
      ...common(ctx),
      description: snippet(body, ctx),
      ...(ctx.retryAfterMs === undefined ? {} : { retryAfterMs: ctx.retryAfterMs }),
      ...(ctx.now === undefined ? {} : { now: ctx.now }),
    })
  }
  if (/\bunauthori[sz]ed\b/i.test(body)) {
    return createGatewayError(20, 'Unauthorized', { ...common(ctx), description: snippet(body, ctx) })
  }
  if (/\bAPI\s+not\s+found\b/i.test(body)) {
    return createGatewayError(12, 'API not found', { ...common(ctx), description: snippet(body, ctx) })
  }
  if (isSuccessStatus(ctx.status)) {
    return (
      ctx.scannerError ??
      new KcsResponseFormatError(
        body.trim() === '' ? 'empty body' : `expected the XML answer, got ${kind}: "${snippet(body, ctx)}"`,
        common(ctx),
      )
    )
  }
  return new KcsHttpError(ctx.status, body.trim() === '' ? '(empty body)' : snippet(body, ctx), common(ctx))
}

function htmlText(body: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1] ?? ''
  const rest = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
  return `${title} ${rest}`.replace(/\s+/g, ' ').trim()
}

/** Turns a complete non-streamed body into the error it represents (or a no-data answer). */
export function classifyBody(body: string, ctx: ClassifyContext): KcsError | NoDataAnswer {
  const trimmed = body.replace(/^\uFEFF/, '').trim()
  if (trimmed.startsWith('<')) {
    const looksHtml = /^(<!--[\s\S]*?-->\s*)*<!doctype\s+html|<html[\s>]/i.test(trimmed)
    if (!looksHtml && !DTD.test(trimmed) && XMLValidator.validate(trimmed) === true) {
      let doc: unknown
      try {
        doc = parser.parse(trimmed)
      } catch {
        doc = undefined
      }
      const known = fromObject(doc, ctx)
      if (known) return known
    }
    return fromPlainText(looksHtml ? htmlText(trimmed) : trimmed, ctx, looksHtml ? 'HTML' : 'XML')
  }
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown
    try {
      doc = JSON.parse(trimmed)
    } catch {
      doc = undefined
    }
    const known = fromObject(doc, ctx)
    if (known) return known
    return fromPlainText(trimmed, ctx, 'JSON')
  }
  return fromPlainText(trimmed, ctx, 'text')
}
