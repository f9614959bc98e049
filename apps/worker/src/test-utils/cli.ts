import { Writable } from 'node:stream'
import { main } from '../main.js'

/** What one in-process CLI run printed and logged. */
export interface CliRun {
  code: number
  stdout: string
  stderr: string
  logs: string
}

/**
 * Runs the CLI in this process through its own entry (`main`, what the binary calls), capturing
 * stdout, stderr and the log lines. `shutdown` stops long-running commands (worker, serve);
 * `onStderr` sees stderr as it grows (to wait for a "listening" line).
 */
export async function runCliInProcess(
  args: string[],
  env: Record<string, string | undefined>,
  options: { shutdown?: AbortSignal; onStderr?: (text: string) => void } = {},
): Promise<CliRun> {
  const run = { stdout: '', stderr: '', logs: '' }
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(chunk.toString())
        cb()
      },
    })
  const code = await main(args, {
    env,
    stdout: sink((s) => {
      run.stdout += s
    }),
    stderr: sink((s) => {
      run.stderr += s
      options.onStderr?.(run.stderr)
    }) as unknown as NodeJS.WriteStream,
    logDestination: sink((s) => {
      run.logs += s
    }),
    shutdown: options.shutdown ?? new AbortController().signal,
  })
  return { code, ...run }
}
