/** Output helpers: aligned tables, CSV, numbers. */

export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : n.toLocaleString('en-US')
}

/** A plain aligned table (numbers right-aligned). */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : (c ?? ''))))
  const numeric = headers.map(
    (_, i) =>
      rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined),
  )
  const widths = headers.map((h, i) =>
    Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i] ?? ''))),
  )
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(c)))
        return numeric[i] ? pad + c : c + pad
      })
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')
}

/** Terminal width of a string: Hangul and other wide characters take two columns. */
export function displayWidth(s: string): number {
  let w = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    w +=
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xff00 && cp <= 0xff60)
        ? 2
        : 1
  }
  return w
}

export function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\n`
}

/**
 * A header that is written to `stream` the first time the returned function is called, and never again: call it
 * before each row and once at the end, so that a command failing before its first row prints nothing at all.
 */
export function lazyHeader(stream: NodeJS.WritableStream, text: string): () => void {
  let written = false
  return () => {
    if (written) return
    written = true
    stream.write(text)
  }
}
