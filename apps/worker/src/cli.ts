#!/usr/bin/env node
import { main } from './main.js'

// The `kcs-trade` binary. The first SIGINT/SIGTERM asks the command to stop cleanly; a second one exits at once.
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

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  shutdown: controller.signal,
})
process.exitCode = code
// Stray handles (pools, sockets) must not keep a finished command alive.
setTimeout(() => process.exit(code), 200).unref()
