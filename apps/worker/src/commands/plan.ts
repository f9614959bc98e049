import { parse, parseCountries, parseHsList, parseMonth } from '../cli/args.js'
import { type CliContext, config, json, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { UsageError } from '../config/errors.js'
import { formatNumber, table } from '../export/format.js'
import { databaseExists } from '../sync/database.js'
import { isTotalsDataset, parseDataset, refuseItemtradeMirror } from '../sync/datasets.js'
import type { Plan } from '../sync/plan.js'
import { monthIndex } from '../sync/slices.js'
import { lazy } from './lazy.js'

/** The flags `plan` and `sync` share. */
export const PLAN_FLAGS = {
  dataset: { type: 'string' },
  country: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  hs: { type: 'string' },
  refresh: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

/** The plan input from parsed `plan`/`sync` flags. */
export function planInput(
  command: string,
  values: { dataset?: string; country?: string; from?: string; to?: string; hs?: string; refresh?: boolean },
) {
  const dataset = parseDataset(values.dataset, command)
  if (dataset === 'itemtrade') refuseItemtradeMirror(command)
  const from = parseMonth(values.from, 'from', command)
  const to = parseMonth(values.to, 'to', command)
  if (monthIndex(to) < monthIndex(from)) {
    throw new UsageError(
      `${command}: --to ${to} is before --from ${from}`,
      'the window is inclusive: --from 2025-01 --to 2025-12',
    )
  }
  return {
    // A totals dataset defaults to every country (nationtrade in one call a year; newtrade has none).
    countries:
      values.country === undefined && isTotalsDataset(dataset)
        ? ('all' as const)
        : parseCountries(values.country, command),
    from,
    to,
    hs: parseHsList(values.hs, command),
    refresh: values.refresh === true,
    ...(isTotalsDataset(dataset) ? { dataset } : {}),
  }
}

/** Print a plan's summary and its first `limit` slices. */
export function printPlan(ctx: CliContext, plan: Plan, limit = 20): void {
  const rows = plan.slices
    .slice(0, limit)
    .map((s) => [
      s.country === '*' ? 'all' : s.country,
      `${s.from}..${s.to}`,
      s.hs ?? 'all',
      s.expectedRows,
      s.expectedFrom,
    ])
  if (plan.input.dataset) write(ctx.stdout, `dataset ${plan.input.dataset}`)
  write(ctx.stdout, table(['country', 'window', 'hs', 'expected rows', 'from'], rows))
  if (plan.slices.length > limit)
    write(ctx.stdout, `… and ${plan.slices.length - limit} more slices (--json lists all)`)
  write(
    ctx.stdout,
    `\n${plan.slices.length} slices = ${plan.calls} calls, ${plan.quotaDays} quota-day(s) at ${formatNumber(plan.quota)} calls/day, ` +
      `~${formatNumber(plan.expectedRows)} rows expected; ${plan.skipped.length} slice(s) skipped as already fetched` +
      (plan.skipped.length > 0 ? ' (--refresh to re-fetch)' : ''),
  )
}

/** `kcs-trade plan`: the slices a backfill needs and the days of quota they take. */
export async function planCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('plan', argv, PLAN_FLAGS)
  if (values.help) return help(ctx, 'plan')
  const { openDatabase, planBackfill } = await lazy.engine()
  const input = planInput('plan', values)
  const cfg = config(ctx)
  const db = databaseExists(cfg.databaseUrl) ? await openDatabase(cfg.databaseUrl) : undefined
  try {
    const plan = await planBackfill(input, { quota: cfg.dailyQuota, ...(db ? { db } : {}) })
    if (values.json) json(ctx, plan)
    else printPlan(ctx, plan)
    return 0
  } finally {
    await db?.close()
  }
}
