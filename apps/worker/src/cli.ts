#!/usr/bin/env node
import { runCli } from './commands.js'
import { loadConfig, redactKey } from './config.js'
import { UsageError } from './errors.js'

/** The `kcs-trade` binary: run one command; SIGINT/SIGTERM ask it to stop cleanly. */
async function main(): Promise<void> {
  const controller = new AbortController()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals++
    if (signals > 1) {
      process.stderr.write(`kcs-trade: second ${signal}, exiting now\n`)
      process.exit(130)
    }
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let key: string | undefined
  try {
    key = loadConfig(process.env).serviceKey
  } catch {
    // reported by the command that needs the configuration
  }
  try {
    const code = await runCli(process.argv.slice(2), {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      shutdown: controller.signal,
    })
    process.exitCode = code
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kcs-trade: ${redactKey(error.message, key)}\n`)
      if (error.hint) process.stderr.write(`hint: ${redactKey(error.hint, key)}\n`)
      process.exitCode = 2
    } else {
      const e = error as { message?: string; hint?: string; name?: string }
      process.stderr.write(
        `kcs-trade: ${redactKey(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`, key)}\n`,
      )
      if (typeof e.hint === 'string' && e.hint) process.stderr.write(`hint: ${redactKey(e.hint, key)}\n`)
      process.exitCode = 1
    }
  }
  // Stray handles (pools, sockets) must not keep a finished command alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref()
}

void main()
