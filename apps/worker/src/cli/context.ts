import type { Clock } from '../config/clock.js'
import { loadConfig, type WorkerConfig } from '../config/env.js'
import { createLogger, type Logger } from '../config/logger.js'

/** The environment a command runs in: variables, output streams, clock and the shutdown signal. */
export interface CliContext {
  env: Record<string, string | undefined>
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WriteStream
  clock?: Clock
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  shutdown: AbortSignal
  /** Where log lines go (default stderr; JSON, or human on a TTY). */
  logDestination?: NodeJS.WritableStream
}

/** Write `text` to `stream` as one line (adds the newline when missing). */
export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** Print `value` as indented JSON on stdout. */
export function json(ctx: CliContext, value: unknown): void {
  write(ctx.stdout, JSON.stringify(value, null, 2))
}

/** The worker configuration read from the command's environment; a bad variable throws a ConfigError. */
export function config(ctx: CliContext): WorkerConfig {
  return loadConfig(ctx.env)
}

/** The command's logger: to `ctx.logDestination` or stderr, level from the configuration. */
export function logger(ctx: CliContext, cfg: WorkerConfig, quietDefault = false): Logger {
  const level = ctx.env.LOG_LEVEL ? cfg.logLevel : quietDefault ? 'warn' : cfg.logLevel
  return createLogger({
    level,
    serviceKey: cfg.serviceKey,
    ...(ctx.logDestination ? { destination: ctx.logDestination, pretty: false } : {}),
  })
}
