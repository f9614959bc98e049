/** Writing a planned response to the socket: all at once, late, slowly or cut short, as a fault asks. */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { EmulatorStats } from './stats.js'
import type { BufferPool } from './xml.js'

/** Bytes queued on a response before waiting for it to drain. */
const WRITE_AHEAD_BYTES = 2 * 1024 * 1024

/** A response to write: status, headers, body chunks. */
export interface ResponsePlan {
  status: number
  headers: Record<string, string | number>
  chunks: Iterable<string | Uint8Array>
  rows?: number
  /** Where written chunks go back once the socket has taken them. */
  pool?: BufferPool
}

export interface Delivery {
  delayMs?: number
  bytesPerSecond?: number
  truncateAt?: number
  truncateMode?: 'end' | 'destroy'
}

/** Writes `plan` as `delivery` says and counts it in `stats`; returns early once the client has gone. */
export async function deliver(
  res: ServerResponse,
  plan: ResponsePlan,
  delivery: Delivery,
  stats: EmulatorStats,
): Promise<void> {
  let aborted = false
  res.once('close', () => {
    aborted = true
  })
  if (delivery.delayMs) await sleep(delivery.delayMs)
  if (aborted) return
  res.writeHead(plan.status, plan.headers)
  if (res.req.method === 'HEAD') {
    res.end()
    return
  }
  let written = 0
  const started = Date.now()
  for (const chunk of plan.chunks) {
    if (aborted) return
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    if (delivery.truncateAt !== undefined && written + buf.length >= delivery.truncateAt) {
      buf = buf.subarray(0, Math.max(0, delivery.truncateAt - written))
      if (buf.length > 0) res.write(buf)
      written += buf.length
      stats.served(0, written)
      if (delivery.truncateMode === 'destroy') {
        // Let the partial chunk leave before the socket goes.
        setTimeout(() => res.socket?.destroy(), 20).unref()
      } else {
        res.end()
      }
      return
    }
    if (delivery.bytesPerSecond) {
      for (let off = 0; off < buf.length && !aborted; off += 1024) {
        const piece = buf.subarray(off, off + 1024)
        if (!res.write(piece)) await drainOrClose(res)
        written += piece.length
        const due = started + (written / delivery.bytesPerSecond) * 1000
        const wait = due - Date.now()
        if (wait > 0) await sleep(wait)
      }
      continue
    }
    written += buf.length
    const chunkBuf = buf
    if (plan.pool) res.write(chunkBuf, () => plan.pool!.give(chunkBuf))
    else res.write(chunkBuf)
    // Keep a few chunks queued so generation overlaps with the socket draining.
    if (res.writableLength > WRITE_AHEAD_BYTES) await drainOrClose(res)
  }
  if (aborted) return
  res.end()
  stats.served(plan.rows ?? 0, written)
}

/** Ends the connection with a TCP RST where Node can (the `reset` fault), else destroys it. */
export function resetSocket(socket: Socket): void {
  const s = socket as Socket & { resetAndDestroy?: () => Socket }
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy()
  else socket.destroy()
}

/** Whether a response is in flight on the socket (node:http marks such sockets; idle keep-alive ones are unmarked). */
export function socketBusy(socket: Socket): boolean {
  return Boolean((socket as Socket & { _httpMessage?: unknown })._httpMessage)
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
