/**
 * One client call under forced garbage collection, for the deadline tests (issue 14 item 2):
 * `node --expose-gc --conditions=@kcs-trade/source --import tsx gc-call.ts <origin> <promise|stream> <timeoutMs>`.
 *
 * It collects garbage every 100 ms (Node 20's fetch stops honouring its abort signal once the
 * `Request` built for it has been collected), prints `calling` when the call starts and one JSON
 * line with the outcome when it ends, then exits.
 */
import { createKcsClient } from '../client.js'
import { isKcsError } from '../errors.js'

const [origin, mode, timeout] = process.argv.slice(2)
const gc = (globalThis as { gc?: () => void }).gc
if (!origin || !gc) {
  process.stderr.write('usage: node --expose-gc … gc-call.ts <origin> <promise|stream> <timeoutMs>\n')
  process.exit(2)
}
const collector = setInterval(gc, 100)
const client = createKcsClient({
  serviceKey: 'gc-test-key',
  baseUrl: origin,
  timeoutMs: Number(timeout ?? 2000),
  retry: 0,
  circuitBreaker: false,
})
const query = { from: '2025-01', to: '2025-01', country: 'US', hs: '0202' }
process.stdout.write('calling\n')
const started = performance.now()
let outcome: Record<string, unknown>
try {
  let rows = 0
  if (mode === 'stream') {
    for await (const _ of client.streamTradeByItemCountry(query)) rows++
  } else {
    rows = (await client.tradeByItemCountry(query)).rows.length
  }
  outcome = { outcome: 'rows', rows }
} catch (error) {
  outcome = {
    outcome: 'error',
    name: error instanceof Error ? error.name : typeof error,
    kcs: isKcsError(error),
    message: error instanceof Error ? error.message : String(error),
  }
}
clearInterval(collector)
process.stdout.write(`${JSON.stringify({ ...outcome, ms: Math.round(performance.now() - started) })}\n`)
process.exit(0)
