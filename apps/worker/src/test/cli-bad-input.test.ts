/**
 * Bad input to every `kcs-trade` command (and bad values of every environment variable the
 * configuration reads): unknown flags, missing values, wrong types, negative and huge numbers, empty
 * strings, 1 MB arguments, malformed dates, codes and URLs. Each must exit non-zero with a message
 * and a `hint:` line on stderr, no stack trace, nothing on stdout, and nothing written: no database
 * directory or file created, no table in a PostgreSQL database, no Redis key under the test prefix.
 * Runs in-process through `main` (what the binary calls). The command list and the variable list are
 * read from the sources, so a new command or variable without cases fails here.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '@kcs-trade/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS } from '../cli/help.js'
import { runCliInProcess } from '../test-utils/cli.js'
import {
  available,
  countKeys,
  createTestDatabase,
  dropPrefix,
  REDIS_URL,
  uniquePrefix,
  WORKER_DIR,
} from '../test-utils/services.js'

/** Commands covered elsewhere (none: every command has its cases here). */
const NOT_HERE = new Set<string>()
const MB = 'x'.repeat(1024 * 1024)
const KEY = 'bad-input-cli-key-Zm9v+/='

const tmp = mkdtempSync(join(tmpdir(), 'kcs-cli-bad-'))
/** A well-formed test clock file (offset 0), refused anyway when the API is not on a loopback address. */
const goodClockFile = join(tmp, 'clock-offset')
writeFileSync(goodClockFile, '0')
const dbDir = join(tmp, 'db-never-created')
const demoDir = join(tmp, 'demo-never-created')
const prefix = uniquePrefix('cli-bad-input')
const BASE_ENV: Record<string, string | undefined> = {
  DATABASE_URL: dbDir,
  REDIS_URL,
  KCS_QUEUE_PREFIX: prefix,
  KCS_SERVICE_KEY: KEY,
  KCS_BASE_URL: 'http://127.0.0.1:9',
  LOG_LEVEL: 'info',
  KCS_SERVE_TOKEN: undefined,
}

function inProcess(args: string[], env: Record<string, string | undefined>) {
  // A case the CLI wrongly accepts must not run forever (worker, serve, emulator): stop it after 20 s.
  return runCliInProcess(args, env, { shutdown: AbortSignal.timeout(20_000) })
}

interface Case {
  args: string[]
  env?: Record<string, string | undefined>
  /** What stderr must say. */
  message: RegExp
  /** Exit code (2 for usage errors, the default). */
  code?: number
}

/** Cases every command gets: unknown flags, a flag with `=`, a 1 MB flag and a 1 MB stray argument. */
function common(command: string): Case[] {
  const list: Case[] = [
    { args: [command, '--bogus'], message: /Unknown option '--bogus'|unknown option|Unknown option/i },
    { args: [command, '--bogus=1'], message: /Unknown option/i },
    { args: [command, `--${MB}`], message: /Unknown option/i },
    { args: [command, '-Z'], message: /Unknown option '-Z'/i },
  ]
  if (command !== 'lookup')
    list.push({ args: [command, MB], message: /Unexpected argument|unexpected argument/i })
  return list
}

const CASES: Record<string, Case[]> = {
  export: [
    { args: ['export'], message: /--out is required/ },
    { args: ['export', '--out'], message: /argument missing/ },
    { args: ['export', '--out', join(tmp, 'x.csv'), '--format', 'xlsx'], message: /unknown --format "xlsx"/ },
    { args: ['export', '--out', join(tmp, 'x.dat')], message: /cannot tell the format/ },
    { args: ['export', '--out', '-'], message: /--out - needs --format csv or json/ },
    { args: ['export', '--out', '-', '--format', 'parquet'], message: /Parquet is not written to stdout/ },
    { args: ['export', '--out', '-', '--format', 'csv', '--json'], message: /--json prints the summary/ },
    { args: ['export', '--out', join(tmp, 'missing-dir', 'x.csv')], message: /does not exist/ },
    { args: ['export', '--out', tmp, '--format', 'csv'], message: /is a directory/ },
    { args: ['export', '--out', join(tmp, 'x.csv'), '--from', '2025-13'], message: /is not a month/ },
    { args: ['export', '--out', join(tmp, 'x.csv'), '--from', MB], message: /is not a month/ },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--from', '2025-06', '--to', '2025-01'],
      message: /--to 2025-01 is before --from 2025-06/,
    },
    { args: ['export', '--out', join(tmp, 'x.csv'), '--country', 'QQ'], message: /unknown country code QQ/ },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--country', 'usa'],
      message: /not a 2-letter KCS country code/,
    },
    { args: ['export', '--out', join(tmp, 'x.csv'), '--hs', '85a'], message: /is not an HS code prefix/ },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--hs', '12345678901'],
      message: /is not an HS code prefix/,
    },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--level', '3'],
      message: /--level must be 2, 4, 6 or 10/,
    },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--level', ''],
      message: /--level must be 2, 4, 6 or 10/,
    },
    {
      args: ['export', '--out', join(tmp, 'x.csv'), '--hs', '8542', '--level', '2'],
      message: /--level 2 is shorter than --hs 8542/,
    },
    { args: ['export', '--out', join(tmp, 'x.csv')], message: /nothing mirrored: no database/ },
  ],
  demo: [
    { args: ['demo', '--country'], message: /--country <value>' argument missing/ },
    { args: ['demo', '--country', 'u$', '--dir', demoDir], message: /not a 2-letter KCS country code/ },
    { args: ['demo', '--country', '', '--dir', demoDir], message: /--country is empty/ },
    { args: ['demo', '--country', 'QQ', '--dir', demoDir], message: /unknown country code QQ/ },
    { args: ['demo', '--country', 'all', '--dir', demoDir], message: /too big for a demo/ },
    {
      args: ['demo', '--country', `US,${MB}`, '--dir', demoDir],
      message: /not a 2-letter KCS country code/,
    },
    { args: ['demo', '--from', '2025-13', '--dir', demoDir], message: /--from "2025-13" is not a month/ },
    { args: ['demo', '--from', '2025-02-30', '--dir', demoDir], message: /is not a month/ },
    { args: ['demo', '--to', 'yesterday', '--dir', demoDir], message: /--to "yesterday" is not a month/ },
    {
      args: ['demo', '--from', '2025-06', '--to', '2025-01', '--country', 'US', '--dir', demoDir],
      message: /before/,
    },
    { args: ['demo', '--seed', 'abc', '--dir', demoDir], message: /--seed must be a whole number/ },
    { args: ['demo', '--seed', '-1', '--dir', demoDir], message: /--seed/ },
    { args: ['demo', '--seed=-1', '--dir', demoDir], message: /--seed must be a whole number/ },
    { args: ['demo', '--seed', '1e99', '--dir', demoDir], message: /--seed must be a whole number/ },
    {
      args: ['demo', '--seed', '99999999999999999999', '--dir', demoDir],
      message: /--seed must be a whole number/,
    },
    { args: ['demo', '--dir', ''], message: /--dir is empty/ },
    { args: ['demo', '--dir', '   '], message: /--dir is empty/ },
    { args: ['demo', '--json=yes', '--dir', demoDir], message: /--json' does not take an argument/ },
  ],
  fetch: [
    {
      args: ['fetch', '--dataset', 'tradeplus', '--from', '2025-01', '--to', '2025-01'],
      message: /--dataset must be one of nitemtrade, itemtrade, nationtrade, newtrade/,
    },
    {
      args: ['fetch', '--dataset', 'newtrade', '--country', 'US', '--from', '2025-01', '--to', '2025-01'],
      message: /--country does not apply to newtrade/,
    },
    {
      args: ['fetch', '--dataset', 'nationtrade', '--hs', '85', '--from', '2025-01', '--to', '2025-01'],
      message: /--hs does not apply to nationtrade/,
    },
    { args: ['fetch', '--country', 'US', '--from', '2025-01'], message: /--to is required/ },
    { args: ['fetch', '--from', '2025-01', '--to', '2025-12'], message: /give --country, --hs or both/ },
    { args: ['fetch', '--country'], message: /argument missing/ },
    {
      args: ['fetch', '--country', 'US', '--from', '', '--to', '2025-12'],
      message: /--from "" is not a month/,
    },
    { args: ['fetch', '--country', 'US', '--from', '2025-00', '--to', '2025-12'], message: /is not a month/ },
    { args: ['fetch', '--country', 'US', '--from', '9999999', '--to', '2025-12'], message: /is not a month/ },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-06', '--to', '2025-01'],
      message: /--to 2025-01 is before --from 2025-06/,
    },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--format', 'xml'],
      message: /--format must be table, json or csv/,
    },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--format', ''],
      message: /--format must be/,
    },
    {
      args: ['fetch', '--country', 'US', '--hs', '123', '--from', '2025-01', '--to', '2025-12'],
      message: /2, 4, 6 or 10 digits/,
    },
    {
      args: ['fetch', '--hs', "85' OR '1'='1", '--from', '2025-01', '--to', '2025-12'],
      message: /2, 4, 6 or 10 digits/,
    },
    {
      args: ['fetch', '--hs', '85,0202', '--from', '2025-01', '--to', '2025-12'],
      message: /--hs takes one prefix/,
    },
    {
      args: ['fetch', '--country', 'u.s.', '--from', '2025-01', '--to', '2025-12'],
      message: /not a 2-letter KCS country code/,
    },
    {
      args: ['fetch', '--country', 'US,CN', '--from', '2025-01', '--to', '2025-12'],
      message: /--country takes one code/,
    },
    {
      args: ['fetch', '--country', 'QQ', '--from', '2025-01', '--to', '2025-12'],
      message: /unknown country code QQ/,
    },
    {
      args: ['fetch', '--country', MB, '--from', '2025-01', '--to', '2025-12'],
      message: /not a 2-letter KCS country code/,
    },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      env: { KCS_SERVICE_KEY: undefined },
      message: /KCS_SERVICE_KEY: is not set/,
    },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      env: { KCS_SERVICE_KEY: 'key with spaces' },
      message: /service key contains whitespace/,
      code: 1,
    },
  ],
  lookup: [
    { args: ['lookup', 'planet', 'mars'], message: /what to look up/ },
    { args: ['lookup'], message: /what to look up/ },
    { args: ['lookup', 'country'], message: /give a code or a name/ },
    { args: ['lookup', 'hs', '   '], message: /give a code or a name/ },
    { args: ['lookup', 'hs', MB], message: /at most 200/ },
    { args: ['lookup', 'country', MB], message: /at most 200/ },
    {
      args: ['lookup', 'hs', 'beef', '--limit', '0'],
      message: /--limit must be a whole number from 1 to 500/,
    },
    { args: ['lookup', 'hs', 'beef', '--limit', 'ten'], message: /--limit must be a whole number/ },
    { args: ['lookup', 'hs', 'beef', '--limit', '1e6'], message: /--limit must be a whole number/ },
    { args: ['lookup', 'hs', 'beef', '--limit', '-3'], message: /--limit/ },
    { args: ['lookup', 'hs', 'beef', '--limit=-3'], message: /--limit must be a whole number/ },
    { args: ['lookup', 'hs', 'beef', '--limit'], message: /argument missing/ },
    // Plain decimal digits only: Number() takes all of these.
    ...['0x10', '1e2', ' 100', '+5', '1_000'].map((v) => ({
      args: ['lookup', 'hs', 'beef', '--limit', v],
      message: /--limit must be a whole number from 1 to 500/,
    })),
  ],
  emulator: [
    { args: ['emulator', '--port', 'not-a-port'], message: /--port must be an integer/ },
    { args: ['emulator', '--port', '-1'], message: /--port/ },
    { args: ['emulator', '--port=-1'], message: /--port must be between 0 and 65535/ },
    { args: ['emulator', '--port', '99999999999999999999'], message: /--port must be between/ },
    { args: ['emulator', '--port', ''], message: /--port must be an integer/ },
    { args: ['emulator', '--port'], message: /argument missing/ },
    { args: ['emulator', '--seed', '1.5'], message: /--seed must be an integer/ },
    { args: ['emulator', '--today', '2025-13-45x'], message: /--today must be a date/ },
    { args: ['emulator', '--today', ''], message: /--today must be a date/ },
    { args: ['emulator', '--faults', 'http5xx=2'], message: /--faults/ },
    { args: ['emulator', '--faults', MB], message: /--faults/ },
    {
      args: ['emulator', '--gateway-layout', 'newest'],
      message: /--gateway-layout must be legacy or current/,
    },
    { args: ['emulator', '--keys', ''], message: /--keys needs at least one key/ },
    { args: ['emulator', '--daily-quota=-5'], message: /--daily-quota must be between/ },
    { args: ['emulator', '--quota-status', '700'], message: /--quota-status must be between 100 and 599/ },
    { args: ['emulator', '--port', '0', '--host', 'no such host.invalid'], message: /cannot start/, code: 1 },
  ],
  plan: [
    {
      args: ['plan', '--dataset', 'itemtrade', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      message: /item totals \(itemtrade\) are not mirrored/,
    },
    {
      args: ['plan', '--dataset', 'newtrade', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      message: /newtrade has no countries/,
    },
    {
      args: ['plan', '--country', 'US', '--from', '2025-06', '--to', '2025-01'],
      message: /--to 2025-01 is before --from 2025-06/,
    },
    { args: ['plan', '--from', '2025-01', '--to', '2025-12'], message: /--country is required/ },
    {
      args: ['plan', '--country', '', '--from', '2025-01', '--to', '2025-12'],
      message: /--country is empty/,
    },
    {
      args: ['plan', '--country', ' , ', '--from', '2025-01', '--to', '2025-12'],
      message: /--country is empty/,
    },
    {
      args: ['plan', '--country', 'QQ', '--from', '2025-01', '--to', '2025-12'],
      message: /unknown country code QQ/,
    },
    {
      args: ['plan', '--country', "US'; DROP TABLE trade_rows; --", '--from', '2025-01', '--to', '2025-12'],
      message: /not a 2-letter/,
    },
    {
      args: ['plan', '--country', 'US', '--hs', 'ab', '--from', '2025-01', '--to', '2025-12'],
      message: /2, 4, 6 or 10 digits/,
    },
    { args: ['plan', '--country', 'US', '--from', '2025-1', '--to', '2025-12'], message: /is not a month/ },
    { args: ['plan', '--country', 'US', '--from', MB, '--to', '2025-12'], message: /is not a month/ },
    { args: ['plan', '--country', 'US', '--from', '2025-01'], message: /--to is required/ },
    {
      args: ['plan', '--refresh=1', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
      message: /does not take an argument/,
    },
  ],
  sync: [
    {
      args: ['sync', '--dataset', 'nationtrade', '--hs', '85', '--from', '2025-01', '--to', '2025-12'],
      message: /--hs does not apply to nationtrade/,
    },
    {
      args: ['sync', '--country', 'QQ', '--from', '2025-01', '--to', '2025-12', '--inline'],
      message: /unknown country code QQ/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--inline'],
      env: { KCS_SERVICE_KEY: undefined },
      message: /KCS_SERVICE_KEY: is not set/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--inline'],
      env: { KCS_SERVICE_KEY: '   ' },
      message: /KCS_SERVICE_KEY: is not set/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--inline', '--allow-inline'],
      message: /exclude each other/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--concurrency', '0'],
      message: /--concurrency must be a whole number from 1 to 64/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--concurrency', 'two'],
      message: /--concurrency must be a whole number/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--concurrency', '65'],
      message: /--concurrency must be a whole number/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12', '--concurrency', '1e300'],
      message: /--concurrency must be a whole number/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-06', '--to', '2025-01', '--inline'],
      message: /is before --from/,
    },
    {
      args: ['sync', '--country', MB, '--from', '2025-01', '--to', '2025-12', '--inline'],
      message: /not a 2-letter/,
    },
    {
      args: ['sync', '--country', 'US', '--hs', '8', '--from', '2025-01', '--to', '2025-12', '--inline'],
      message: /2, 4, 6 or 10 digits/,
    },
    {
      args: ['sync', '--country', 'US', '--from', '2025-01', '--to', '2025-12'],
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      message: /Redis is not reachable[\s\S]*--inline/,
    },
  ],
  worker: [
    { args: ['worker', '--concurrency', '0'], message: /--concurrency must be a whole number/ },
    { args: ['worker', '--concurrency', '-2'], message: /--concurrency/ },
    { args: ['worker', '--concurrency=-2'], message: /--concurrency must be a whole number/ },
    { args: ['worker', '--concurrency', 'NaN'], message: /--concurrency must be a whole number/ },
    { args: ['worker', '--concurrency', ''], message: /--concurrency must be a whole number/ },
    { args: ['worker', '--concurrency'], message: /argument missing/ },
    { args: ['worker', '--concurrency', '0x4'], message: /--concurrency must be a whole number/ },
    { args: ['worker', '--concurrency', ' 4'], message: /--concurrency must be a whole number/ },
    { args: ['worker'], env: { KCS_SERVICE_KEY: undefined }, message: /KCS_SERVICE_KEY: is not set/ },
    { args: ['worker'], env: { REDIS_URL: 'redis://127.0.0.1:1' }, message: /Redis is not reachable/ },
  ],
  schedule: [
    { args: ['schedule', '--cron', 'every day'], message: /KCS_FRESHNESS_CRON.*cron pattern/ },
    { args: ['schedule', '--cron', ''], message: /--cron is empty/ },
    { args: ['schedule', '--cron', '* * * * * * *'], message: /cron pattern of 5 or 6 fields/ },
    { args: ['schedule', '--cron', MB], message: /cron pattern/ },
    { args: ['schedule', '--cron', '99 99 99 * * *'], message: /invalid cron/ },
    { args: ['schedule', '--cron'], message: /argument missing/ },
    { args: ['schedule'], env: { REDIS_URL: 'redis://127.0.0.1:1' }, message: /Redis is not reachable/ },
  ],
  status: [
    { args: ['status', '--json=1'], message: /does not take an argument/ },
    { args: ['status'], env: { REDIS_URL: 'http://127.0.0.1:6379' }, message: /REDIS_URL.*redis:\/\// },
  ],
  verify: [
    { args: ['verify'], message: /there is no mirror at DATABASE_URL/ },
    { args: ['verify', '--inline'], message: /--inline applies to --fix/ },
    { args: ['verify', '--from', '2025-01'], message: /give both --from and --to/ },
    { args: ['verify', '--from', '2025-13', '--to', '2025-12'], message: /--from "2025-13" is not a month/ },
    {
      args: ['verify', '--from', '2025-06', '--to', '2025-01'],
      message: /--to 2025-01 is before --from 2025-06/,
    },
    { args: ['verify', '--country', 'QQ'], message: /unknown country code QQ/ },
    { args: ['verify', '--limit', '0x10'], message: /limit/ },
  ],
  serve: [
    { args: ['serve', '--port', '99999'], message: /--port must be 0–65535/ },
    { args: ['serve', '--port', 'http'], message: /--port must be 0–65535/ },
    { args: ['serve', '--port=-1'], message: /--port must be 0–65535/ },
    { args: ['serve', '--port', '0x10'], message: /--port must be 0–65535/ },
    { args: ['serve', '--port', '1.5'], message: /--port must be 0–65535/ },
    { args: ['serve', '--port', ''], message: /--port must be 0–65535/ },
    { args: ['serve', '--host', '0.0.0.0'], message: /refusing to listen on "0.0.0.0"[\s\S]*--allow-public/ },
    { args: ['serve', '--host', ''], message: /--host is empty/ },
    {
      args: ['serve', '--host', '127.0.0.1 '],
      message: /--host "127\.0\.0\.1 " is not a host name or an IP address/,
    },
    { args: ['serve', '--host', 'http://127.0.0.1'], message: /is not a host name .*looks like a URL/ },
    { args: ['serve', '--host', '127.0.0.1:9464'], message: /is not a host name .*port/ },
    { args: ['serve', '--host', MB], message: /is not a host name or an IP address/ },
    { args: ['serve', '--host', '192.168.1.5', '--token', 'long-enough-token'], message: /not a loopback/ },
    { args: ['serve', '--token', 'short'], message: /at least 8 characters/ },
    { args: ['serve', '--token', ''], message: /at least 8 characters/ },
    { args: ['serve'], env: { KCS_SERVE_TOKEN: ' ' }, message: /at least 8 characters/ },
  ],
}

/**
 * Bad values of each variable the configuration reads (apps/worker/src/config.ts) and of
 * KCS_SERVE_TOKEN, each run on a command that reads it.
 */
const PLAN = ['plan', '--country', 'US', '--from', '2025-01', '--to', '2025-02']
const ENV_CASES: Record<string, Case[]> = {
  KCS_SERVICE_KEY: [
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-01'],
      env: { KCS_SERVICE_KEY: 'a\u0001b' },
      message: /service key contains whitespace or control/,
      code: 1,
    },
    {
      args: ['fetch', '--country', 'US', '--from', '2025-01', '--to', '2025-01'],
      env: { KCS_SERVICE_KEY: 'abc%E0%A4%A' },
      message: /invalid percent-escape/,
      code: 1,
    },
  ],
  KCS_BASE_URL: [
    { args: PLAN, env: { KCS_BASE_URL: 'ftp://example.org' }, message: /KCS_BASE_URL.*http:\/\// },
    { args: PLAN, env: { KCS_BASE_URL: 'not a url' }, message: /KCS_BASE_URL/ },
    { args: PLAN, env: { KCS_BASE_URL: `http://${MB}` }, message: /KCS_BASE_URL.*2048/ },
  ],
  DATABASE_URL: [
    { args: PLAN, env: { DATABASE_URL: 'mysql://localhost/db' }, message: /DATABASE_URL.*postgres:\/\// },
    { args: PLAN, env: { DATABASE_URL: `/tmp/${MB}` }, message: /DATABASE_URL.*4096/ },
    { args: PLAN, env: { DATABASE_URL: 'db\u0000x' }, message: /DATABASE_URL.*NUL/ },
    {
      args: PLAN,
      env: { DATABASE_URL: '/etc/passwd' },
      message: /DATABASE_URL.*is a file, not a PGlite directory/,
    },
    {
      args: ['status'],
      env: { DATABASE_URL: '/etc/passwd/db' },
      message: /DATABASE_URL.*is inside "\/etc\/passwd"/,
    },
  ],
  REDIS_URL: [
    { args: ['status'], env: { REDIS_URL: 'localhost:6379' }, message: /REDIS_URL.*redis:\/\// },
    { args: ['worker'], env: { REDIS_URL: 'redis://' }, message: /REDIS_URL/ },
  ],
  KCS_DAILY_QUOTA: ['abc', '0', '-1', '1.5', '1e999', '0x10', '1e2', ' 100', '+5', '1_000'].map((v) => ({
    args: PLAN,
    env: { KCS_DAILY_QUOTA: v },
    message: /KCS_DAILY_QUOTA/,
  })),
  KCS_RATE_PER_SECOND: ['0', '50', 'NaN', 'fast', '-1', '0x5', '5e0', ' 5', '+5'].map((v) => ({
    args: PLAN,
    env: { KCS_RATE_PER_SECOND: v },
    message: /KCS_RATE_PER_SECOND/,
  })),
  KCS_QUOTA_RECHECK_MS: ['abc', '100', '1.5', '-1'].map((v) => ({
    args: PLAN,
    env: { KCS_QUOTA_RECHECK_MS: v },
    message: /KCS_QUOTA_RECHECK_MS/,
  })),
  KCS_CIRCUIT_THRESHOLD: ['abc', '0', '2.5'].map((v) => ({
    args: PLAN,
    env: { KCS_CIRCUIT_THRESHOLD: v },
    message: /KCS_CIRCUIT_THRESHOLD/,
  })),
  KCS_CIRCUIT_COOLDOWN_MS: ['abc', '10', '1e999'].map((v) => ({
    args: PLAN,
    env: { KCS_CIRCUIT_COOLDOWN_MS: v },
    message: /KCS_CIRCUIT_COOLDOWN_MS/,
  })),
  KCS_OUTAGE_BUDGET_MS: ['abc', '-1', '2.5', '604800001'].map((v) => ({
    args: PLAN,
    env: { KCS_OUTAGE_BUDGET_MS: v },
    message: /KCS_OUTAGE_BUDGET_MS/,
  })),
  KCS_TEST_CLOCK_FILE: [
    {
      args: ['worker'],
      env: { KCS_TEST_CLOCK_FILE: join(tmp, 'no-such-clock-file') },
      message: /KCS_TEST_CLOCK_FILE: cannot read/,
    },
    {
      // A test clock against a non-loopback API is refused before anything else (even with a valid clock file).
      args: ['worker'],
      env: {
        KCS_TEST_CLOCK_FILE: goodClockFile,
        KCS_BASE_URL: 'https://unipass.customs.go.kr:38010/ext/rest',
      },
      message: /KCS_TEST_CLOCK_FILE is set but KCS_BASE_URL is not a loopback address/,
    },
  ],
  LOG_LEVEL: ['loud', '5'].map((v) => ({ args: PLAN, env: { LOG_LEVEL: v }, message: /LOG_LEVEL.*one of/ })),
  KCS_QUEUE_PREFIX: ['a:b', 'x'.repeat(65), 'spaces here', "kcs'; FLUSHALL"].map((v) => ({
    args: ['status'],
    env: { KCS_QUEUE_PREFIX: v },
    message: /KCS_QUEUE_PREFIX/,
  })),
  KCS_TIMEOUT_MS: ['10', 'soon', '1.5e3x', '-5', '12e4', '0x1d4c0'].map((v) => ({
    args: PLAN,
    env: { KCS_TIMEOUT_MS: v },
    message: /KCS_TIMEOUT_MS/,
  })),
  KCS_FRESHNESS_CRON: ['daily', '* *'].map((v) => ({
    args: ['schedule'],
    env: { KCS_FRESHNESS_CRON: v },
    message: /KCS_FRESHNESS_CRON/,
  })),
  KCS_JOB_LOCK_MS: ['1', 'x'].map((v) => ({
    args: ['worker'],
    env: { KCS_JOB_LOCK_MS: v },
    message: /KCS_JOB_LOCK_MS/,
  })),
  KCS_SHUTDOWN_TIMEOUT_MS: ['-1', 'later', '3e4'].map((v) => ({
    args: ['worker'],
    env: { KCS_SHUTDOWN_TIMEOUT_MS: v },
    message: /KCS_SHUTDOWN_TIMEOUT_MS/,
  })),
  KCS_SERVE_TOKEN: [{ args: ['serve'], env: { KCS_SERVE_TOKEN: 'abc' }, message: /at least 8 characters/ }],
}

/** The variables the configuration schema reads, from the source of config.ts. */
function configVariables(): string[] {
  const source = readFileSync(new URL('../config/env.ts', import.meta.url), 'utf8')
  const schema = source.slice(
    source.indexOf('const envSchema'),
    source.indexOf('export interface WorkerConfig'),
  )
  return [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1] as string)
}

function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

describe('kcs-trade: bad input to every command and variable — exit non-zero, a hint, nothing written', () => {
  const workerFiles = listing(WORKER_DIR)
  const tmpFiles = listing(tmp)
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true })
    if (available.redis) await dropPrefix(prefix)
  })

  it('every command of commands.ts and every configuration variable has cases', () => {
    const commands = COMMANDS.filter((c) => !NOT_HERE.has(c))
    expect(commands.filter((c) => (CASES[c]?.length ?? 0) < 2)).toEqual([])
    expect(Object.keys(CASES).filter((c) => !(commands as readonly string[]).includes(c))).toEqual([])
    const variables = configVariables()
    expect(variables.length).toBeGreaterThan(10)
    expect(variables.filter((v) => !(ENV_CASES[v]?.length ?? 0))).toEqual([])
  })

  const all: Array<[string, Case]> = []
  for (const command of COMMANDS) {
    if (NOT_HERE.has(command)) continue
    for (const c of [...common(command), ...(CASES[command] ?? [])]) all.push([`${command}: ${label(c)}`, c])
  }
  for (const [variable, list] of Object.entries(ENV_CASES))
    for (const c of list) all.push([`${variable}=${short(String(c.env?.[variable]))} (${c.args[0]})`, c])

  it.each(all)('%s', { timeout: 30_000 }, async (_name, c) => {
    const run = await inProcess(c.args, { ...BASE_ENV, ...c.env })
    expect(run.code, run.stderr).toBe(c.code ?? 2)
    expect(run.stderr).toMatch(c.message)
    expect(run.stderr, 'a hint line').toMatch(/^hint: \S/m)
    expect(run.stderr, 'no stack trace').not.toMatch(/\n\s+at .+[(:]\d+/)
    expect(run.stdout).toBe('')
    expect(run.stderr.length, 'an oversized argument is not echoed in full').toBeLessThan(64 * 1024)
    for (const text of [run.stdout, run.stderr, run.logs]) {
      expect(text).not.toContain(KEY)
      expect(text).not.toContain(encodeURIComponent(KEY))
    }
    expect(existsSync(dbDir), 'database directory created').toBe(false)
    expect(existsSync(demoDir), 'demo directory created').toBe(false)
    expect(listing(tmp)).toEqual(tmpFiles)
    expect(listing(WORKER_DIR), 'files created in the working directory').toEqual(workerFiles)
    if (available.redis) expect(await countKeys(prefix), 'Redis keys written').toBe(0)
  })
})

describe.skipIf(!available.postgres)(
  'kcs-trade: bad input with a PostgreSQL database — no table, no row',
  () => {
    let pg: Awaited<ReturnType<typeof createTestDatabase>> | undefined
    beforeAll(async () => {
      pg = await createTestDatabase('cli_bad')
    })
    afterAll(async () => {
      await pg?.drop()
    })
    const cases: Case[] = [
      {
        args: ['sync', '--inline', '--country', 'QQ', '--from', '2025-01', '--to', '2025-02'],
        message: /unknown country code QQ/,
      },
      {
        args: ['sync', '--inline', '--country', 'US', '--from', '2025-02', '--to', '2025-01'],
        message: /is before/,
      },
      {
        args: ['sync', '--inline', '--country', 'US', '--from', '2025-01', '--to', '2025-02'],
        env: { KCS_SERVICE_KEY: undefined },
        message: /KCS_SERVICE_KEY/,
      },
      {
        args: [
          'sync',
          '--inline',
          '--country',
          'US',
          '--from',
          '2025-01',
          '--to',
          '2025-02',
          '--concurrency',
          '0',
        ],
        message: /--concurrency/,
      },
      {
        args: ['plan', '--country', 'usa', '--from', '2025-01', '--to', '2025-02'],
        message: /not a 2-letter/,
      },
      { args: ['status', '--bogus'], message: /Unknown option/ },
      { args: ['worker', '--concurrency', 'x'], message: /--concurrency/ },
    ]
    it.each(cases.map((c) => [label(c), c] as const))('%s', { timeout: 30_000 }, async (_name, c) => {
      const run = await inProcess(c.args, { ...BASE_ENV, DATABASE_URL: pg?.url, ...c.env })
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toMatch(c.message)
      expect(run.stderr).toMatch(/^hint: /m)
      const db = await connect(pg?.url as string, { poolSize: 1 })
      try {
        const client = db.$client as unknown as { query(q: string): Promise<{ rows: Array<{ n: number }> }> }
        const r = await client.query(
          "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
        )
        expect(r.rows[0]?.n, 'tables created').toBe(0)
      } finally {
        await db.close()
      }
    })
  },
)

function short(text: string): string {
  const oneLine = JSON.stringify(text)
  return oneLine.length > 40 ? `${oneLine.slice(0, 30)}…(${text.length} chars)` : oneLine
}

function label(c: Case): string {
  const args = c.args.map((a) => (a.length > 40 ? `<${a.length} chars>` : a)).join(' ')
  const env = Object.entries(c.env ?? {})
    .map(([k, v]) => `${k}=${v === undefined ? '(unset)' : short(v)}`)
    .join(' ')
  return env ? `${args} [${env}]` : args
}
