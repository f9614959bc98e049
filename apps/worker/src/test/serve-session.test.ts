import { createHash } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../config/clock.js'
import { loadConfig } from '../config/env.js'
import { createLogger } from '../config/logger.js'
import { SESSION_COOKIE, SESSION_TTL_MS } from '../serve/auth.js'
import { createDashboardServer } from '../serve/server.js'

// Item 9 of issue 14, over a real socket: the dashboard's session cookie was sha256 of the token — computable
// offline, valid forever, the same for every serve process. It is now a random id this process alone knows, for 12 h.

const TOKEN = 'session-test-token-8e2f'
const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

async function serve(clock = manualClock(Date.UTC(2026, 0, 15)), token = TOKEN): Promise<string> {
  const server = createDashboardServer({
    cfg: loadConfig({}),
    db: undefined,
    redis: undefined,
    queue: undefined,
    quota: undefined,
    metrics: undefined,
    registry: { contentType: 'text/plain', metrics: async () => '' },
    token,
    log: createLogger({
      level: 'silent',
      pretty: false,
      destination: new Writable({ write: (_c, _e, cb) => cb() }),
    }),
    clock,
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Open /?token= as a browser would: the session cookie it gets. */
async function login(base: string, token = TOKEN): Promise<{ pair: string; setCookie: string }> {
  const visit = await fetch(`${base}/?token=${token}`, { redirect: 'manual' })
  expect(visit.status).toBe(303)
  expect(visit.headers.get('location')).toBe('/')
  const setCookie = visit.headers.get('set-cookie') ?? ''
  return { pair: setCookie.split(';')[0] as string, setCookie }
}

const status = async (base: string, cookie: string) =>
  (await fetch(`${base}/api/meta`, { headers: { cookie } })).status

describe('the dashboard session cookie (a real socket)', () => {
  it('is random per visit, HttpOnly, SameSite=Strict, Path=/, Max-Age 12 h, and holds nothing of the token', async () => {
    const base = await serve()
    const a = await login(base)
    const b = await login(base)
    expect(a.setCookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200$`),
    )
    expect(a.pair).not.toBe(b.pair)
    expect(a.setCookie).not.toContain(TOKEN)
    expect(await status(base, a.pair)).not.toBe(401)
    expect(await status(base, b.pair)).not.toBe(401)
    expect(await status(base, '')).toBe(401)
    // What the old server set (a hash of the token) is computable offline: it opens nothing.
    const computable = createHash('sha256').update(`kcs-trade-session\0${TOKEN}`).digest('hex')
    expect(await status(base, `${SESSION_COOKIE}=${computable}`)).toBe(401)
  })

  it('expires after 12 h on the server too', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 15))
    const base = await serve(clock)
    const { pair } = await login(base)
    clock.advance(SESSION_TTL_MS - 60_000)
    expect(await status(base, pair)).not.toBe(401)
    clock.advance(60_000)
    expect(await status(base, pair)).toBe(401)
  })

  it('is forgotten by a restart, and by a restart with another token', async () => {
    const first = await serve()
    const { pair } = await login(first)
    expect(await status(first, pair)).not.toBe(401)
    const restarted = await serve()
    expect(await status(restarted, pair)).toBe(401)
    const otherToken = await serve(undefined, 'another-token-5d1c')
    expect(await status(otherToken, pair)).toBe(401)
    expect(await status(otherToken, (await login(otherToken, 'another-token-5d1c')).pair)).not.toBe(401)
  })
})
