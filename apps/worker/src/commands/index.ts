import { type CliContext, write } from '../cli/context.js'
import { COMMANDS, type CommandName, HELP, help } from '../cli/help.js'
import { quoted, UsageError } from '../config/errors.js'
import { demoCommand } from './demo.js'
import { emulatorCommand } from './emulator.js'
import { fetchCommand } from './fetch.js'
import { lookupCommand } from './lookup.js'
import { planCommand } from './plan.js'
import { scheduleCommand } from './schedule.js'
import { statusCommand } from './status.js'
import { syncCommand } from './sync.js'
import { workerCommand } from './worker.js'

/** The handler of each command: parses its flags and runs it; resolves to the exit code. */
export const HANDLERS: Record<CommandName, (ctx: CliContext, argv: string[]) => Promise<number>> = {
  demo: demoCommand,
  fetch: fetchCommand,
  lookup: lookupCommand,
  emulator: emulatorCommand,
  plan: planCommand,
  sync: syncCommand,
  worker: workerCommand,
  schedule: scheduleCommand,
  status: statusCommand,
  // The HTTP server, the dashboard and the export writers load only for their commands.
  serve: (ctx, argv) => import('./serve.js').then((m) => m.serveCommand(ctx, argv)),
  export: (ctx, argv) => import('./export.js').then((m) => m.exportCommand(ctx, argv)),
  verify: (ctx, argv) => import('./verify.js').then((m) => m.verifyCommand(ctx, argv)),
}

/** Run one CLI invocation; returns the exit code. Usage errors print the problem and a hint, exit 2. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    // No command is a mistake (a script that lost its arguments): the usage on stderr, exit 2 like other usage errors.
    write(ctx.stderr, HELP.main)
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') return help(ctx, 'main')
  if (name === '--version' || name === '-v') {
    write(ctx.stdout, '0.0.0')
    return 0
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    const near = COMMANDS.find((c) => c.startsWith(name.slice(0, 2)))
    throw new UsageError(
      `unknown command ${quoted(name)}`,
      `${near ? `did you mean '${near}'? ` : ''}commands: ${COMMANDS.join(', ')}`,
    )
  }
  return HANDLERS[name as CommandName](ctx, rest)
}
