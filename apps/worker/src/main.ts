import type { CliContext } from './cli/context.js'
import { runCli } from './commands/index.js'
import { loadConfig, redactKey } from './config/env.js'
import { clip, printable, UsageError } from './config/errors.js'

export { runCli }

/**
 * Run one CLI invocation and report any error on stderr: usage errors (bad flags, bad config) exit 2 with a hint, other
 * failures exit 1. Every line is scrubbed of the service key, and of control characters (escape sequences, carriage
 * returns) that input repeated in a message could carry; values are escaped where they are quoted ({@link printable}).
 */
export async function main(argv: string[], ctx: CliContext): Promise<number> {
  let key: string | undefined
  try {
    key = loadConfig(ctx.env).serviceKey
  } catch {
    key = ctx.env.KCS_SERVICE_KEY // the configuration error itself is reported by the command
  }
  try {
    return await runCli(argv, ctx)
  } catch (error) {
    const e = error as { message?: string; detail?: unknown; hint?: string; name?: string }
    // The last line of defence: a message's own line breaks stay, every other control character is made visible.
    const show = (text: string) => clip(printable(redactKey(text, key), { keepNewlines: true }))
    if (error instanceof UsageError) {
      ctx.stderr.write(`kcs-trade: ${show(error.message)}\n`)
      if (error.hint) ctx.stderr.write(`hint: ${show(error.hint)}\n`)
      return 2
    }
    const hint = typeof e.hint === 'string' && e.hint ? e.hint : undefined
    // The client's and the db's errors keep the message without its hint in `detail`: the hint gets its own line.
    const message = typeof e.detail === 'string' ? e.detail : (e.message ?? String(error))
    ctx.stderr.write(`kcs-trade: ${show(`${e.name ?? 'Error'}: ${message}`)}\n`)
    if (hint) ctx.stderr.write(`hint: ${show(hint)}\n`)
    return 1
  }
}
