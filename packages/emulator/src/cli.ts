#!/usr/bin/env node
import { runEmulatorCli } from './cli-run.js'

runEmulatorCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`kcs-emulator: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
