/** A progress display on stderr: a redrawn bar on a TTY, plain lines otherwise (logs, CI). */
export interface Progress {
  update(state: {
    done: number
    total: number
    failed?: number
    waiting?: number
    rows?: number
    note?: string
  }): void
  finish(): void
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, label = 'sync'): Progress {
  const tty = Boolean(stream.isTTY)
  const started = Date.now()
  let lastLine = ''
  return {
    update({ done, total, failed = 0, waiting = 0, rows = 0, note }) {
      const elapsed = (Date.now() - started) / 1000
      const eta = done > 0 && done < total ? ` eta ${formatSeconds((elapsed / done) * (total - done))}` : ''
      const extra = `${failed ? ` ${failed} failed` : ''}${waiting ? ` ${waiting} waiting` : ''}`
      const text = `${done}/${total} slices, ${rows.toLocaleString('en-US')} rows${extra}${eta}${note ? ` — ${note}` : ''}`
      if (tty) {
        const width = 24
        const filled = total > 0 ? Math.round((done / total) * width) : 0
        const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
        const line = `\r${label} ${bar} ${text}`
        stream.write(`${line}${' '.repeat(Math.max(0, lastLine.length - line.length))}`)
        lastLine = line
      } else {
        stream.write(`${label}: ${text}\n`)
      }
    },
    finish() {
      if (tty && lastLine) stream.write('\n')
      lastLine = ''
    },
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
