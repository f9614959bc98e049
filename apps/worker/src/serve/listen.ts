/** `kcs-trade serve`'s --host and the errors of listening, as messages that say which flag to change. */
import { isIP } from 'node:net'
import { quoted, UsageError } from '../config/errors.js'

/**
 * Refuses a `--host` that is no host name or IP address (spaces, control characters, a URL or a port), before
 * anything is opened: `"127.0.0.1 "` would otherwise fail the DNS lookup and read like a port problem.
 */
export function checkHost(host: string): void {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (isIP(bare) !== 0) return
  if (
    /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$/.test(host) &&
    host.length <= 253
  )
    return
  const why = /\s/.test(host)
    ? 'it has spaces or line breaks'
    : /[\u0000-\u001f\u007f-\u009f]/.test(host)
      ? 'it has control characters'
      : host.includes('/')
        ? 'it looks like a URL'
        : /:\d+$/.test(host)
          ? 'it has a port (give the port with --port)'
          : 'it is neither an IP address nor a host name'
  throw new UsageError(
    `serve: --host ${quoted(host)} is not a host name or an IP address: ${why}`,
    'give an address of this machine, e.g. --host 127.0.0.1 (the default) or --host ::1; the port goes in --port',
  )
}

/** A `listen` failure as a UsageError naming what to change: the port (in use, privileged) or the host. */
export function listenError(e: NodeJS.ErrnoException, host: string, port: number): UsageError {
  const where = `${quoted(host)} port ${port}`
  switch (e.code) {
    case 'EADDRINUSE':
      return new UsageError(
        `serve: cannot listen on ${where}: the port is in use (EADDRINUSE)`,
        'pick another --port (0 = any free port), or stop the process that listens on it',
      )
    case 'EACCES':
    case 'EPERM':
      return new UsageError(
        `serve: cannot listen on ${where}: not allowed (${e.code}); ports below 1024 need privileges`,
        'pick a --port of 1024 or more, e.g. the default 9464',
      )
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new UsageError(
        `serve: cannot listen on ${where}: the host name ${quoted(host)} does not resolve (${e.code})`,
        'check the spelling of --host, or give an IP address of this machine, e.g. --host 127.0.0.1 (the default)',
      )
    case 'EADDRNOTAVAIL':
      return new UsageError(
        `serve: cannot listen on ${where}: ${quoted(host)} is not an address of this machine (EADDRNOTAVAIL)`,
        "give one of this machine's addresses (ip addr lists them), e.g. --host 127.0.0.1 (the default)",
      )
    default:
      return new UsageError(
        `serve: cannot listen on ${where}: ${e.code ?? e.message}`,
        'check --host and --port (0 = any free port)',
      )
  }
}
