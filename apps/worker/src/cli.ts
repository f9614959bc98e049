#!/usr/bin/env node

import { shutdownBackstopMs } from './config/shutdown.js'
import { main } from './main.js'

// The `kcs-trade` binary. The first SIGINT/SIGTERM asks the command to stop cleanly (slices in flight get
// KCS_SHUTDOWN_TIMEOUT_MS, then are given back); a second one exits at once. Exit handlers remove temporary files.
const controller = new AbortController()
let signals = 0
const onSignal = (signal: NodeJS.Signals) => {
  signals++
  if (signals > 1) {
    process.stderr.write(`kcs-trade: second ${signal}, exiting now\n`)
    process.exit(130)
  }
  controller.abort()
  // A command that still runs well after its grace (a database that does not answer) must not outlive the signal.
  const backstop = shutdownBackstopMs(process.env)
  setTimeout(() => {
    process.stderr.write(
      `kcs-trade: still running ${Math.round(backstop / 1000)} s after ${signal}, exiting now\n`,
    )
    process.exit(130)
  }, backstop).unref()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  shutdown: controller.signal,
})
process.exitCode = code
// Stray handles (pools, sockets) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref()
