import { formatSeconds } from './progress.js'

/** Rows-done progress on stderr: a redrawn bar with rate and ETA on a TTY, a plain line every few seconds otherwise. */
export interface RowProgress {
  /** Draws at most every `everyMs` (call it every thousand rows or so). */
  tick(done: number): void
  finish(done: number): void
}

export function createRowProgress(
  stream: NodeJS.WriteStream,
  total: number,
  options: { label?: string; unit?: string; now?: () => number; plainEveryMs?: number } = {},
): RowProgress {
  const tty = Boolean(stream.isTTY)
  const now = options.now ?? Date.now
  const label = options.label ?? 'export'
  const unit = options.unit ?? 'rows'
  const everyMs = tty ? 200 : (options.plainEveryMs ?? 5_000)
  const started = now()
  let last = started
  let lastLen = 0
  let drawn = false
  const draw = (done: number, final: boolean) => {
    const elapsed = Math.max(1e-3, (now() - started) / 1000)
    const rate = done / elapsed
    const pct = total > 0 ? Math.min(100, (done / total) * 100) : 100
    const eta = !final && rate > 0 && done < total ? ` eta ${formatSeconds((total - done) / rate)}` : ''
    const text = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${unit} (${pct.toFixed(1)}%), ${Math.round(rate).toLocaleString('en-US')} ${unit}/s${eta}`
    if (tty) {
      const width = 24
      const filled = Math.round((pct / 100) * width)
      const line = `\r${label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${text}`
      stream.write(`${line}${' '.repeat(Math.max(0, lastLen - line.length))}${final ? '\n' : ''}`)
      lastLen = line.length
    } else {
      stream.write(`${label}: ${text}\n`)
    }
    drawn = true
  }
  return {
    tick(done) {
      const t = now()
      if (t - last < everyMs) return
      last = t
      draw(done, false)
    },
    finish(done) {
      if (tty || drawn) draw(done, true)
    },
  }
}
