import { type CliContext, write } from '../cli/context.js'
import { clip, printable } from '../config/errors.js'
import { lazy } from './lazy.js'

/** `kcs-trade emulator`: runs the KCS emulator with this CLI's names in its messages. */
export async function emulatorCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { runEmulatorCli } = await lazy.emulator()
  const code = await runEmulatorCli(argv, {
    signal: ctx.shutdown,
    handleSignals: false,
    io: {
      out: (line) => write(ctx.stdout, line),
      // The emulator's own pointer to its help becomes this CLI's hint line.
      err: (line) =>
        write(
          ctx.stderr,
          /^Run kcs-emulator --help/.test(line)
            ? "hint: see 'kcs-trade emulator --help' for the options"
            : clip(printable(line.replace(/^kcs-emulator: /, 'kcs-trade emulator: '))),
        ),
    },
  })
  if (code === 1)
    write(ctx.stderr, 'hint: pick a free --port (0 = any free port) and a local --host such as 127.0.0.1')
  return typeof code === 'number' ? code : 0
}
