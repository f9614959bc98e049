/** The fixed responses: gateway errors (XML or JSON), provider errors and the faults that replace an answer. */

import type { ResponsePlan } from './deliver.js'
import type { FaultSpec } from './faults.js'
import type { ResolvedOptions } from './options.js'
import {
  type GatewayLayout,
  gatewayJson,
  gatewayXml,
  gatewayXmlContentType,
  html5xx,
  JSON_CONTENT_TYPE,
  PROVIDER_MESSAGES,
  type ProviderErrorBody,
  providerErrorXml,
  XML_CONTENT_TYPE,
} from './xml.js'

/** Builds the emulator's fixed responses as its settings lay them out. */
export class ResponsePlans {
  private providerBodyTurn = 0

  constructor(
    private readonly settings: ResolvedOptions,
    /** The seeded random draw of the fault controller. */
    private readonly draw: () => number,
  ) {}

  /** A gateway error as XML. */
  gateway(code: string, status: number, layout: GatewayLayout, token?: string): ResponsePlan {
    return {
      status,
      headers: { 'Content-Type': gatewayXmlContentType(layout) },
      chunks: [gatewayXml(code, layout, token)],
    }
  }

  /** A gateway error as JSON (for callers asking `_type=json`). */
  gatewayJson(
    code: string,
    status: number,
    layout: GatewayLayout = this.settings.gatewayLayout,
    token?: string,
  ): ResponsePlan {
    return {
      status,
      headers: { 'Content-Type': JSON_CONTENT_TYPE },
      chunks: [gatewayJson(code, layout, token)],
    }
  }

  /** What follows a provider error's header, by cause or as the settings fix it. */
  providerBody(message: string): ProviderErrorBody {
    const setting = this.settings.providerErrorBody
    if (setting === 'by-cause') {
      // Measured (KCS-API.md 2026-10): a window over 12 months ends after the header, an hsSgn of the
      // wrong length has `<body/>`. The other causes are not measured; they keep the former default.
      return message === PROVIDER_MESSAGES.badHsLength ? 'empty' : 'absent'
    }
    if (setting !== 'rotate') return setting
    const variants: ProviderErrorBody[] = ['absent', 'empty', 'totalCount']
    return variants[this.providerBodyTurn++ % variants.length]!
  }

  /** The response a fault answers with instead of the data, or undefined for faults of delivery. */
  fault(fault: FaultSpec): ResponsePlan | undefined {
    const settings = this.settings
    switch (fault.kind) {
      case 'http5xx': {
        const status = fault.status ?? [500, 502, 503, 504][Math.floor(this.draw() * 4)]!
        return { status, headers: { 'Content-Type': 'text/html' }, chunks: [html5xx(status)] }
      }
      case 'text401':
        return { status: 401, headers: { 'Content-Type': 'text/plain' }, chunks: ['Unauthorized'] }
      case 'notFound':
        return { status: 404, headers: { 'Content-Type': 'text/plain' }, chunks: ['API not found'] }
      case 'rate23':
        return this.gateway('23', settings.rateLimitStatus, settings.rateLimitLayout)
      case 'quota22':
        return this.gateway('22', settings.quotaStatus, settings.quotaLayout)
      case 'gateway':
        return this.gateway(fault.code ?? '01', fault.status ?? 200, settings.gatewayLayout)
      case 'provider':
        return {
          status: 200,
          headers: { 'Content-Type': XML_CONTENT_TYPE },
          chunks: [
            providerErrorXml(
              fault.resultCode ?? '99',
              fault.resultMsg ?? '기타 에러',
              this.providerBody(fault.resultMsg ?? ''),
            ),
          ],
        }
      default:
        return undefined
    }
  }
}
