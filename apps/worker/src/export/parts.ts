import { readdirSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * An export writes `.NAME.<pid>-<hex>.part` beside `--out` and renames it at the end; an interrupted one removes it,
 * also from an `exit` handler (a second Ctrl-C). Only SIGKILL leaves one behind (e.g. a wrapper such as the `tsx` CLI
 * kills a child that is busy when the signal comes): the next export into the same directory removes it.
 */

/** A temporary file left this long without a write, by a process that no longer runs here, is stale. */
export const STALE_PART_MS = 10 * 60_000

/** Does a process with this id run on this machine? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM'
  }
}

/**
 * Remove the temporary files of earlier exports to `out` whose process is gone and that have not been written for
 * {@link STALE_PART_MS}; returns their paths. Never throws (a directory it cannot read is the export's own error).
 */
export function removeStaleParts(out: string, now = Date.now()): string[] {
  const dir = dirname(out)
  const prefix = `.${basename(out)}.`
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue
    const match = /^(\d{1,10})-[0-9a-f]{8}\.part$/.exec(name.slice(prefix.length))
    if (!match) continue
    const pid = Number(match[1])
    if (pid === process.pid || alive(pid)) continue
    const path = join(dir, name)
    try {
      const stat = statSync(path)
      if (!stat.isFile() || now - stat.mtimeMs < STALE_PART_MS) continue
      unlinkSync(path)
      removed.push(path)
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed
}
