/**
 * Keeping a long-running process near its live size. Writing a slice or a Parquet row group leaves tens of
 * megabytes of short-lived garbage (row batches, encoded pages, protocol buffers); with its defaults, Node
 * sizes the heap limit from the machine's memory (4 GB on a 24 GB machine) and V8 lets the heap and the
 * array buffers grow by a few hundred megabytes before it collects them. A heap cap
 * (`--max-old-space-size`) bounds that too, but only as a launch flag, and a cap too low for a command's
 * live data crashes it; a collection when the garbage passes a threshold cannot.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/** V8's own `gc`, exposed to a fresh context, so the process needs no `--expose-gc`. */
function fullGc(): () => void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc
    if (typeof exposed === 'function') gc = exposed
    else {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    }
  }
  return gc
}

/**
 * A full garbage collection if the heap plus array buffers hold more than `bytes`; true if it collected.
 * Call it between units of work (a slice, a row group), where what the last one left is garbage.
 */
export function collectGarbageAbove(bytes: number): boolean {
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  if (heapUsed + arrayBuffers <= bytes) return false
  fullGc()()
  return true
}

/**
 * While a long job runs, check every `intervalMs` and collect when the heap plus array buffers pass
 * `bytes` (see {@link collectGarbageAbove}): a check between slices alone let a worker whose two jobs
 * were both large country-years reach 260 MB. When what survives a collection is itself near `bytes` (a
 * process with more live data: a test runner, a worker in a larger application), the next collection
 * waits until another `bytes / 2` has accumulated, so the governor never collects in a loop. The timer
 * does not keep the process alive. Returns the stop function and how many collections it made.
 */
export function governMemory(
  bytes: number,
  intervalMs = 250,
): { stop(): void; readonly collections: number } {
  let collections = 0
  let threshold = bytes
  const timer = setInterval(() => {
    if (!collectGarbageAbove(threshold)) return
    collections++
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    threshold = Math.max(bytes, heapUsed + arrayBuffers + bytes / 2)
  }, intervalMs)
  timer.unref()
  return {
    stop: () => clearInterval(timer),
    get collections() {
      return collections
    },
  }
}
