import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/** A PGlite directory that does not exist yet is not created by read-only commands. */
export function databaseExists(url: string): boolean {
  if (/^postgres(ql)?:\/\//i.test(url) || /^memory:/i.test(url)) return true
  const path = url.startsWith('file://') ? new URL(url).pathname : resolve(url)
  return existsSync(path)
}
