import { afterAll, describe, expect, it } from 'vitest'
import { manualClock } from '../config/clock.js'
import { CALLS_PER_MINUTE_TTL_SECONDS, MemoryMetrics, RedisMetrics } from '../sync/metrics.js'
import { createRedis } from '../sync/runtime.js'
import { available, dropPrefix, REDIS_URL, uniquePrefix } from '../test-utils/services.js'

const T0 = Date.UTC(2026, 10, 30, 5, 0, 30) // 05:00:30 UTC

async function exercise(metrics: MemoryMetrics | RedisMetrics, clock: ReturnType<typeof manualClock>) {
  metrics.call('ok')
  metrics.call('server_error')
  metrics.call('circuit_open') // no request sent: not a call on the wire
  clock.advance(60_000) // 05:01:30
  metrics.call('ok')
  clock.advance(5 * 60_000) // 05:06:30
  metrics.call('quota_exceeded')
  metrics.call('ok')
  metrics.call('ok')
  await metrics.flush()
  const last = await metrics.callsPerMinute(60)
  expect(last).toHaveLength(60)
  expect(last.at(-1)).toEqual({ minute: '2026-11-30T05:06:00.000Z', calls: 3 })
  expect(last.find((m) => m.minute === '2026-11-30T05:00:00.000Z')?.calls).toBe(2)
  expect(last.find((m) => m.minute === '2026-11-30T05:01:00.000Z')?.calls).toBe(1)
  expect(last.reduce((n, m) => n + m.calls, 0)).toBe(6)
  expect(last[0]?.minute).toBe('2026-11-30T04:07:00.000Z')
  // An hour later the early minutes have left the window.
  clock.advance(60 * 60_000)
  expect((await metrics.callsPerMinute(60)).reduce((n, m) => n + m.calls, 0)).toBe(0)
  expect((await metrics.read()).calls).toEqual({ ok: 4, server_error: 1, circuit_open: 1, quota_exceeded: 1 })
}

describe('calls per minute', () => {
  it('in memory: counts requests per UTC minute over the last hour', async () => {
    const clock = manualClock(T0)
    await exercise(new MemoryMetrics(clock), clock)
  })

  describe.skipIf(!available.redis)('in Redis', () => {
    const prefix = uniquePrefix('metrics-minute')
    afterAll(() => dropPrefix(prefix))
    it('counts in one key per minute that expires, shared by every process', async () => {
      const redis = createRedis(REDIS_URL)
      try {
        const clock = manualClock(T0)
        const a = new RedisMetrics(redis, prefix, clock)
        await exercise(a, clock)
        // Another process (another instance) sees the same counters.
        const b = new RedisMetrics(redis, prefix, clock)
        clock.set(T0 + 6 * 60_000)
        expect((await b.callsPerMinute(10)).at(-1)).toEqual({ minute: '2026-11-30T05:06:00.000Z', calls: 3 })
        const keys = await redis.keys(`${a.minuteKey}*`)
        expect(keys).toHaveLength(3)
        for (const key of keys) {
          const ttl = await redis.ttl(key)
          expect(ttl).toBeGreaterThan(0)
          expect(ttl).toBeLessThanOrEqual(CALLS_PER_MINUTE_TTL_SECONDS)
        }
      } finally {
        redis.disconnect()
      }
    })
  })
})
