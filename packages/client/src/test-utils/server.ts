import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  /** The request target exactly as it arrived on the wire (path and raw query). */
  rawUrl: string
  headers: IncomingMessage['headers']
  rawHeaders: string[]
}

export type Handler = (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>

/** A real HTTP server on 127.0.0.1 with a swappable handler, recording every request. */
export class TestServer {
  readonly requests: RecordedRequest[] = []
  handler: Handler = (_req, res) => {
    res.statusCode = 500
    res.end('no handler')
  }
  #server: Server
  #port = 0

  constructor() {
    this.#server = createServer((req, res) => {
      const index = this.requests.length
      this.requests.push({ rawUrl: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders })
      Promise.resolve(this.handler(req, res, index)).catch(() => res.destroy())
    })
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    this.#port = (this.#server.address() as AddressInfo).port
    return this
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** Serves the given responses in turn (the last one repeats). */
  sequence(...handlers: Handler[]): void {
    this.handler = (req, res, index) => handlers[Math.min(index, handlers.length - 1)]!(req, res, index)
  }

  reset(): void {
    this.requests.length = 0
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}

export function xmlReply(body: string, status = 200, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/xml;charset=UTF-8', ...headers })
    res.end(body)
  }
}

export function textReply(body: string, status: number, contentType = 'text/plain'): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType })
    res.end(body)
  }
}

/** Drops the connection without an answer. */
export const dropConnection: Handler = (req) => {
  req.socket.destroy()
}
