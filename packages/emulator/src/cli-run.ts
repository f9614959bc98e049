/** `kcs-emulator` command line: parse flags, start the emulator, run until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util'
import { createEmulator, type Emulator, type EmulatorOptions } from './emulator.js'
import { parseFaultSpec } from './faults.js'
import { DATASETS, type DatasetName } from './siblings.js'

/** The `kcs-emulator --help` text: every flag with its default. */
export const CLI_USAGE = `Usage: kcs-emulator [options]

Serves GET /1220000/nitemtrade/getNitemtradeList like the KCS trade statistics API, and its
siblings Itemtrade/getItemtradeList, nationtrade/getNationtradeList and Newtrade/getNewtradeList.

Options:
  --port N              port to listen on (default 8787; 0 = any free port)
  --host H              interface to bind (default 127.0.0.1)
  --seed N              data and fault seed (default 1)
  --keys K1,K2          registered service keys (default test-key); repeatable
  --approve K=D1,D2     datasets key K is approved for (nitemtrade, itemtrade, nationtrade,
                        newtrade); default all four; repeatable
  --daily-quota N       calls per key and dataset per day in Korea (default 10000)
  --rate-per-second N   requests per key per second before error 23 (default 30)
  --today YYYY-MM-DD    the data calendar's today (default: today in Korea)
  --revision N          data revision (default 1)
  --faults SPEC         random fault rates, e.g. http5xx=0.05,hang=0.03,truncate=0.02,reset=0.01,text401=0.01,rate23=0.01
  --gateway-layout L    current | legacy (default current)
  --quota-status N      HTTP status of the daily-quota error 22 (default 429)
  --rate-limit-status N HTTP status of the per-second error 23 (default 429)
  --provider-error-body B  by-cause | absent | empty | totalCount | rotate (default by-cause)
  --empty-answer A      items | zero-totals (default items)
  -h, --help            show this help
`

/** Where `runEmulatorCli` writes its output, one line per call (default: stdout and stderr). */
export interface CliIo {
  /** Receives the help text and the listening/stopped messages. */
  out: (line: string) => void
  /** Receives usage and start-up errors. */
  err: (line: string) => void
}

/** Bad `kcs-emulator` flags or arguments; `runEmulatorCli` reports it on `err` and exits with code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError'
}

/** Parses `kcs-emulator` flags into emulator options; throws CliUsageError with a clear message. */
export function parseEmulatorArgs(argv: readonly string[]): EmulatorOptions | 'help' {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error))
  }
  const v = parsed.values
  if (v.help) return 'help'
  if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument '${parsed.positionals[0]}'`)
  const keys = (v.keys ?? ['test-key']).flatMap((k) => k.split(',')).filter((k) => k !== '')
  if (keys.length === 0) throw new CliUsageError('--keys needs at least one key')
  const options: EmulatorOptions = {
    port: int(v.port ?? '8787', '--port', 0, 65535),
    host: v.host ?? '127.0.0.1',
    seed: int(v.seed ?? '1', '--seed', -2147483648, 2147483647),
    keys,
  }
  if (v.approve !== undefined) options.approvals = parseApprovals(v.approve, keys)
  if (v['daily-quota'] !== undefined) options.dailyQuota = int(v['daily-quota'], '--daily-quota', 0)
  if (v['rate-per-second'] !== undefined)
    options.ratePerSecond = int(v['rate-per-second'], '--rate-per-second', 1)
  if (v.today !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v.today)) throw new CliUsageError('--today must be a date YYYY-MM-DD')
    options.today = v.today
  }
  if (v.revision !== undefined) options.revision = int(v.revision, '--revision', 1, 1000)
  if (v.faults !== undefined) {
    try {
      options.faults = parseFaultSpec(v.faults)
    } catch (error) {
      throw new CliUsageError(`--faults: ${(error as Error).message}`)
    }
  }
  if (v['gateway-layout'] !== undefined) {
    if (v['gateway-layout'] !== 'legacy' && v['gateway-layout'] !== 'current') {
      throw new CliUsageError('--gateway-layout must be legacy or current')
    }
    options.gatewayLayout = v['gateway-layout']
  }
  if (v['quota-status'] !== undefined)
    options.quotaStatus = int(v['quota-status'], '--quota-status', 100, 599)
  if (v['rate-limit-status'] !== undefined) {
    options.rateLimitStatus = int(v['rate-limit-status'], '--rate-limit-status', 100, 599)
  }
  if (v['provider-error-body'] !== undefined) {
    const b = v['provider-error-body']
    if (b !== 'by-cause' && b !== 'absent' && b !== 'empty' && b !== 'totalCount' && b !== 'rotate') {
      throw new CliUsageError('--provider-error-body must be by-cause, absent, empty, totalCount or rotate')
    }
    options.providerErrorBody = b
  }
  if (v['empty-answer'] !== undefined) {
    const a = v['empty-answer']
    if (a !== 'items' && a !== 'zero-totals')
      throw new CliUsageError('--empty-answer must be items or zero-totals')
    options.emptyAnswer = a
  }
  return options
}

/** `--approve K=nitemtrade,newtrade` (repeatable) → `{ K: ['nitemtrade', 'newtrade'] }`. */
function parseApprovals(values: readonly string[], keys: readonly string[]): Record<string, DatasetName[]> {
  const out: Record<string, DatasetName[]> = {}
  for (const value of values) {
    const eq = value.lastIndexOf('=')
    const key = eq < 0 ? '' : value.slice(0, eq)
    const datasets =
      eq < 0
        ? []
        : value
            .slice(eq + 1)
            .split(',')
            .filter((d) => d !== '')
    if (key === '' || datasets.length === 0)
      throw new CliUsageError(`--approve must be KEY=DATASET[,DATASET…], got '${value}'`)
    if (!keys.includes(key)) throw new CliUsageError(`--approve: '${key}' is not one of --keys`)
    for (const d of datasets) {
      if (!(DATASETS as readonly string[]).includes(d))
        throw new CliUsageError(`--approve: unknown dataset '${d}' (use ${DATASETS.join(', ')})`)
    }
    out[key] = [...(out[key] ?? []), ...(datasets as DatasetName[])]
  }
  return out
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      keys: { type: 'string', multiple: true },
      approve: { type: 'string', multiple: true },
      'daily-quota': { type: 'string' },
      'rate-per-second': { type: 'string' },
      today: { type: 'string' },
      revision: { type: 'string' },
      faults: { type: 'string' },
      'gateway-layout': { type: 'string' },
      'quota-status': { type: 'string' },
      'rate-limit-status': { type: 'string' },
      'provider-error-body': { type: 'string' },
      'empty-answer': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function int(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text)) throw new CliUsageError(`${flag} must be an integer, got '${text}'`)
  const n = Number(text)
  if (n < min || n > max) throw new CliUsageError(`${flag} must be between ${min} and ${max}, got ${n}`)
  return n
}

/** How `runEmulatorCli` is embedded: output, stop signal and start-up hook. */
export interface RunEmulatorCliOptions {
  /** Output lines (default: stdout and stderr). */
  io?: CliIo
  /** Stop when this signal aborts (in addition to SIGINT/SIGTERM). */
  signal?: AbortSignal
  /** Called once the emulator listens (e.g. for tests or a parent command). */
  onListening?: (emulator: Emulator) => void
  /** Install SIGINT/SIGTERM handlers (default true). */
  handleSignals?: boolean
}

/**
 * Runs the `kcs-emulator` command: prints the URL, serves until SIGINT/SIGTERM (or `signal`), and
 * resolves with the exit code (0 after a clean stop, 2 on a usage error, 1 if it could not start).
 */
export async function runEmulatorCli(
  argv: readonly string[],
  options: RunEmulatorCliOptions = {},
): Promise<number> {
  const io = options.io ?? {
    out: (line: string) => process.stdout.write(`${line}\n`),
    err: (line: string) => process.stderr.write(`${line}\n`),
  }
  let emulatorOptions: EmulatorOptions | 'help'
  try {
    emulatorOptions = parseEmulatorArgs(argv)
  } catch (error) {
    io.err(`kcs-emulator: ${(error as Error).message}`)
    io.err('Run kcs-emulator --help for the options.')
    return 2
  }
  if (emulatorOptions === 'help') {
    io.out(CLI_USAGE)
    return 0
  }
  let emulator: Emulator
  try {
    emulator = await createEmulator(emulatorOptions)
  } catch (error) {
    io.err(`kcs-emulator: cannot start: ${(error as Error).message}`)
    return 1
  }
  io.out(`kcs-emulator listening on ${emulator.url}`)
  io.out(
    `  endpoint ${emulator.url}/1220000/nitemtrade/getNitemtradeList  (today ${emulator.today}, revision ${emulator.revision})`,
  )
  options.onListening?.(emulator)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    if (options.handleSignals !== false) {
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    }
    if (options.signal) {
      if (options.signal.aborted) resolve()
      else options.signal.addEventListener('abort', stop, { once: true })
    }
  })
  await emulator.close()
  io.out('kcs-emulator stopped')
  return 0
}
