import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'
import { redactKey } from './env.js'

export type { Logger } from 'pino'

export interface LoggerOptions {
  level?: string
  /** The service key: every spelling of it is scrubbed from every line written. */
  serviceKey?: string | undefined
  /** Human format; default: when stderr is a TTY. */
  pretty?: boolean
  /** Where lines go (default stderr, so stdout stays clean for `--json` output). */
  destination?: NodeJS.WritableStream | pino.DestinationStream
}

/** JSON logs via pino (human format on a TTY), the service key redacted from every line. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const key = options.serviceKey
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY)
  const destination =
    options.destination ??
    (usePretty
      ? pretty({
          destination: 2,
          sync: true,
          colorize: true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname',
        })
      : pino.destination({ dest: 2, sync: true }))
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: ['serviceKey', '*.serviceKey', 'KCS_SERVICE_KEY', '*.KCS_SERVICE_KEY', 'config.serviceKey'],
        censor: '[redacted]',
      },
      hooks: {
        // Last line of defence: a key that slipped into a message, an error or a URL is scrubbed here.
        streamWrite: key ? (line: string) => redactKey(line, key) : undefined,
      },
    },
    destination as pino.DestinationStream,
  )
}
