/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A CSV document: a header line and one line per row, CRLF-terminated as RFC 4180 says. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return [columns, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join('')
}
