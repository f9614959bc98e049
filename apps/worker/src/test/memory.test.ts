import { describe, expect, it } from 'vitest'
import { collectGarbageAbove, governMemory } from '../config/memory.js'
import { waitFor } from '../test-utils/services.js'

describe('memory governor', () => {
  it('collects only past the threshold, and frees what was garbage', () => {
    expect(collectGarbageAbove(Number.POSITIVE_INFINITY)).toBe(false)
    // Tens of megabytes of garbage, then a collection over a threshold of 0: the heap shrinks by most of it.
    const box: { garbage?: number[][] } = {
      garbage: Array.from({ length: 200 }, () => Array.from({ length: 20_000 }, (_, i) => i + 0.5)),
    }
    const held = process.memoryUsage().heapUsed
    delete box.garbage
    expect(collectGarbageAbove(0)).toBe(true)
    expect(process.memoryUsage().heapUsed).toBeLessThan(held - 20 * 2 ** 20)
  })

  it('checks on a timer until stopped', async () => {
    const memory = governMemory(1, 10)
    try {
      await waitFor(() => memory.collections >= 2, 30_000, 'two collections')
    } finally {
      memory.stop()
    }
    const after = memory.collections
    // Stopped: no further collection, whatever the heap holds (a few of the timer's periods pass).
    const until = Date.now() + 100
    while (Date.now() < until) await new Promise((r) => setImmediate(r))
    expect(memory.collections).toBe(after)
  })

  it('does not collect in a loop when the live data is above the threshold', async () => {
    // This test process holds far more than 8 MB alive: after the first collection the next waits for
    // another 4 MB of garbage, instead of collecting at every 10 ms tick.
    let ticks = 0
    const counter = setInterval(() => ticks++, 10)
    const memory = governMemory(8 * 2 ** 20, 10)
    try {
      await waitFor(() => memory.collections >= 1 && ticks >= 30, 30_000, 'a collection and 30 ticks')
      // Nothing allocated in the meantime to speak of: far fewer collections than ticks.
      expect(memory.collections).toBeLessThan(ticks / 2)
    } finally {
      memory.stop()
      clearInterval(counter)
    }
  })
})
