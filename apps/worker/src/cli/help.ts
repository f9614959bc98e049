import { type CliContext, write } from './context.js'
import { EXPORT_HELP } from './export-help.js'
import { VERIFY_HELP } from './verify-help.js'

/** The CLI's command names, in the order the main help lists them. */
export const COMMANDS = [
  'demo',
  'fetch',
  'lookup',
  'emulator',
  'plan',
  'sync',
  'worker',
  'schedule',
  'status',
  'serve',
  'export',
  'verify',
] as const
/** One of {@link COMMANDS}. */
export type CommandName = (typeof COMMANDS)[number]

/** The `--help` text of every command, and of the CLI itself (`main`). */
export const HELP: Record<CommandName | 'main', string> = {
  main: `kcs-trade — mirror the Korea Customs Service trade statistics

Usage: kcs-trade <command> [options]      (kcs-trade <command> --help for details)

Commands:
  demo        run the emulator in-process and sync a small plan into PGlite (no key, no Redis)
  fetch       one query to stdout: --country US --hs 0202 --from 2025-01 --to 2025-12 [--format table|json|csv]
  lookup      look up an HS code or a country: lookup hs <code|text>, lookup country <code|name>
  emulator    run the offline API emulator
  plan        dry run of a backfill: slices, calls, quota-days, expected rows [--json]
  sync        enqueue a plan on Redis, or run it in this process with --inline
  worker      run BullMQ workers until stopped [--concurrency N]
  schedule    install or update the freshness scheduler (re-fetch the last 13 months daily)
  status      coverage, queue counts, quota used today, recent failures [--json]
  serve       ops HTTP endpoint: /healthz /readyz /metrics and a queue dashboard
  export      mirrored rows or HS-level sums to csv, parquet or json (JSON Lines), names joined
  verify      prove the mirror complete against KCS's published country and national totals [--fix]

Environment: KCS_SERVICE_KEY, KCS_BASE_URL, DATABASE_URL, REDIS_URL, KCS_DAILY_QUOTA,
KCS_RATE_PER_SECOND, LOG_LEVEL, KCS_QUEUE_PREFIX (see apps/worker/README.md)`,
  demo: `Usage: kcs-trade demo [--dir ./.kcs-trade/demo] [--country US,CN,...] [--from YYYY-MM --to YYYY-MM] [--json]

Starts the emulator in-process, syncs a small plan (default: US, CN, JP, VN, DE, AU over the last
quarter of the last complete year) into PGlite under --dir with the same engine as 'sync --inline',
and prints rows, calls, quota used, and the top partners and items.`,
  fetch: `Usage: kcs-trade fetch --country US [--hs 0202] --from 2025-01 --to 2025-12 [--format table|json|csv]
                       [--dataset nitemtrade|itemtrade|nationtrade|newtrade]

One query to stdout (needs KCS_SERVICE_KEY; KCS_BASE_URL for the emulator). A range longer than 12
months is split into calendar years. The default dataset, nitemtrade (품목별 국가별), needs --country,
--hs or both. itemtrade (품목별: items over every country) takes --hs; nationtrade (국가별: totals per
country, with declaration counts) takes --country or none for every country; newtrade (수출입총괄:
Korea's totals) takes neither. Each dataset needs its own approval of the key at data.go.kr.`,
  lookup: `Usage: kcs-trade lookup hs <code|text> [--limit 20] [--json]
       kcs-trade lookup country <code|name> [--json]`,
  emulator: `Usage: kcs-trade emulator [emulator options]   (kcs-trade emulator --help lists them)`,
  plan: `Usage: kcs-trade plan --country US,CN|all --from YYYY-MM --to YYYY-MM [--hs 85,0202] [--refresh] [--json]
                      [--dataset nitemtrade|nationtrade|newtrade]

Prints the slices (country × calendar year [× HS prefix]), calls, quota-days at KCS_DAILY_QUOTA and
expected rows. Slices the ledger in DATABASE_URL has as fetched OK are skipped unless --refresh.
--dataset nationtrade plans country totals (every country in one call a year unless --country),
newtrade the national totals (one call a year); each dataset has its own daily quota. itemtrade is
not mirrored: its rows are the detail summed over countries.`,
  sync: `Usage: kcs-trade sync --country US,CN|all --from YYYY-MM --to YYYY-MM [--hs ...] [--refresh]
                      [--dataset nitemtrade|nationtrade|newtrade]
                      [--inline | --allow-inline] [--concurrency N] [--json]

Without --inline: enqueues one job per slice on Redis (deterministic ids: enqueueing twice adds
nothing) for 'kcs-trade worker' processes. --inline runs the plan in this process (no Redis) with a
progress bar. --allow-inline enqueues when Redis is reachable and runs inline when it is not.
--dataset as for plan; a key refused for one dataset (403, code 30) fails only that dataset's slices.`,
  worker: `Usage: kcs-trade worker [--concurrency N]

Runs BullMQ workers on REDIS_URL until SIGTERM/SIGINT: then in-flight jobs may finish within
KCS_SHUTDOWN_TIMEOUT_MS (default 10 s); the rest are aborted and go back to the queue; exits 0.`,
  schedule: `Usage: kcs-trade schedule [--cron '0 0 6 * * *'] [--run-now] [--remove] [--json]

Installs or updates the freshness scheduler (cron in Korean time, default KCS_FRESHNESS_CRON):
re-fetches the last 13 months of every mirrored country; revisions are recorded by the db.`,
  status: `Usage: kcs-trade status [--json]

Coverage by country and year, queue counts, quota used today and when it resets, recent failures.`,
  export: EXPORT_HELP,
  verify: VERIFY_HELP,
  serve: `Usage: kcs-trade serve [--port 9464] [--host 127.0.0.1] [--token T] [--allow-public]

/healthz, /readyz (Redis and DB reachable), /metrics (Prometheus), /api/status, and the web
dashboard at / (coverage, quota and rate, trade charts, revisions; JSON and CSV under /api/).
Redis is optional: without it (e.g. DATABASE_URL=./.kcs-trade/demo after 'kcs-trade demo') serve
warns once and serves the mirror views; the queue, quota and rate views are empty.
Binds 127.0.0.1; a non-loopback --host is refused unless --allow-public is given.
With a token (--token or KCS_SERVE_TOKEN) everything but /healthz needs
"Authorization: Bearer <token>" or ?token=<token>; opening /?token=<token> in a browser once
sets an HttpOnly session cookie and drops the token from the address bar.`,
}

/** Print the help text of `name` on stdout; returns exit code 0. */
export function help(ctx: CliContext, name: CommandName | 'main'): number {
  write(ctx.stdout, HELP[name])
  return 0
}
