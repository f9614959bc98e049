/**
 * Where `export --out` may write: a regular file (replaced once the export is complete) or a path that
 * does not exist yet. Anything else — a device node such as `/dev/null`, a FIFO, a socket, a
 * directory, a symbolic link — is refused before anything is written: the export renames its finished
 * temporary file into place, which would replace the node itself (as root, even `/dev/null`).
 */
import { lstatSync, type Stats, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { printable, UsageError } from '../config/errors.js'

/** What is at a path, in words, for a message; undefined for a regular file. */
function kindOf(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined
  if (stats.isSymbolicLink()) return 'a symbolic link'
  if (stats.isDirectory()) return 'a directory'
  if (stats.isCharacterDevice()) return 'a character device'
  if (stats.isBlockDevice()) return 'a block device'
  if (stats.isFIFO()) return 'a FIFO (named pipe)'
  if (stats.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * Refuses an `--out` path that exists and is not a regular file (the link itself is looked at, not its target),
 * or whose directory is missing, with a {@link UsageError} saying what is there and how to write elsewhere.
 * `out` is an absolute path.
 */
export function checkExportTarget(out: string): void {
  const shown = printable(out)
  const dir = dirname(out)
  let dirStats: Stats | undefined
  try {
    dirStats = statSync(dir)
  } catch {
    dirStats = undefined
  }
  if (!dirStats?.isDirectory())
    throw new UsageError(
      `export: the directory ${printable(dir)} does not exist`,
      `create it first (mkdir -p ${printable(dir)}) or choose another --out`,
    )
  let stats: Stats
  try {
    stats = lstatSync(out)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // a new file
    throw error
  }
  const kind = kindOf(stats)
  if (kind === undefined) return
  if (kind === 'a directory')
    throw new UsageError(`export: --out ${shown} is a directory`, 'give a file name inside it')
  throw new UsageError(
    `export: --out ${shown} is ${kind}, not a regular file: export writes regular files only and replaces nothing else`,
    kind === 'a symbolic link'
      ? 'give the path of the file itself (realpath shows it), or a new file name'
      : 'give a new file name or an existing regular file; to stream the rows, use --out - (stdout) and redirect it, e.g. --out - --format csv | gzip > trade.csv.gz',
  )
}
