import { resolve } from 'node:path'
import { parse, parseCountries, parseMonth, parsePositiveInt } from '../cli/args.js'
import { type CliContext, config, json, logger, write } from '../cli/context.js'
import { help } from '../cli/help.js'
import { systemClock } from '../config/clock.js'
import { keyFingerprint } from '../config/env.js'
import { printable, UsageError } from '../config/errors.js'
import { table } from '../export/format.js'
import { itemName, truncate, truncateWidth } from './fetch.js'
import { lazy } from './lazy.js'
import { printSummary, runInlineWithProgress } from './sync.js'

/** A path as one POSIX shell word, to paste into a terminal. */
function shellWord(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text
  // Control characters in single quotes would reach the terminal: $'…' spells them as visible escapes.
  if (printable(text) !== text) return `$'${printable(text).replaceAll("'", "\\'")}'`
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** The partner countries `demo` mirrors. */
export const DEMO_COUNTRIES = ['US', 'CN', 'JP', 'VN', 'DE', 'AU']

/** `kcs-trade demo`: an emulator, a PGlite mirror and a sample sync in one go. */
export async function demoCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parse('demo', argv, {
    dir: { type: 'string' },
    country: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    seed: { type: 'string' },
  })
  if (values.help) return help(ctx, 'demo')
  const { topItems, topPartners } = await lazy.db()
  const { createEmulator } = await lazy.emulator()
  const reference = await lazy.reference()
  const { countries } = reference
  const { createEngineDeps, openDatabase, planBackfill } = await lazy.engine()
  const { memoryLimits } = await lazy.runtime()
  const cfg = config(ctx)
  const chosen = values.country === undefined ? DEMO_COUNTRIES : parseCountries(values.country, 'demo')
  if (chosen === 'all')
    throw new UsageError(
      'demo: --country all is too big for a demo',
      "use 'kcs-trade sync --inline --country all' instead",
    )
  const seed = parsePositiveInt(values.seed, 'seed', 'demo', 1, 2 ** 31)
  // An empty --dir would resolve to the current directory and put a database there.
  if (values.dir !== undefined && values.dir.trim() === '')
    throw new UsageError(
      'demo: --dir is empty',
      'give a directory for the demo database, e.g. --dir ./.kcs-trade/demo',
    )
  const dir = resolve(values.dir ?? './.kcs-trade/demo')
  const clock = ctx.clock ?? systemClock
  const serviceKey = `demo-${keyFingerprint(String(Math.random()))}`
  const quota = 1_000
  const emu = await createEmulator({
    port: 0,
    seed,
    keys: [serviceKey],
    dailyQuota: quota,
    now: () => clock.now(),
  })
  try {
    // The last complete year of detail the emulator publishes, unless asked otherwise.
    const lastDetail = emu.truth.publication().lastDetailMonth
    const year = Number(lastDetail.slice(0, 4)) - (lastDetail.endsWith('-12') ? 0 : 1)
    // A small plan by default: one quarter, still one call per country.
    const from = values.from ? parseMonth(values.from, 'from', 'demo') : `${year}-10`
    const to = values.to ? parseMonth(values.to, 'to', 'demo') : `${year}-12`
    const input = { countries: chosen, from, to, refresh: true }
    await planBackfill(input, { quota, ledger: [] }) // validate before creating the directory
    const db = await openDatabase(dir)
    try {
      const plan = await planBackfill(input, { quota, db })
      const log = logger(ctx, cfg, true)
      if (!values.json) {
        write(ctx.stderr, `demo: emulator at ${emu.url}, PGlite at ${printable(dir)}`)
        write(
          ctx.stderr,
          `demo: ${plan.calls} slices (${chosen.join(', ')} × ${from}..${to}), ${cfg.ratePerSecond} calls/s`,
        )
      }
      const limits = memoryLimits({ dailyQuota: quota, ratePerSecond: cfg.ratePerSecond }, clock)
      const deps = createEngineDeps({
        serviceKey,
        baseUrl: emu.url,
        timeoutMs: cfg.timeoutMs,
        db,
        limits,
        logger: log,
        clock,
      })
      const summary = await runInlineWithProgress(ctx, plan, deps, 2, values.json === true)
      const partners = await topPartners(db, { from, to, limit: 5 })
      // Headings (HS-4) are what an analyst ranks items by; the mirror's monthly rollup holds them.
      const items = await topItems(db, { from, to, limit: 5, hsDigits: 4 })
      const used = emu.quota(serviceKey).used
      const result = {
        database: dir,
        window: { from, to },
        countries: chosen,
        slices: summary.slices,
        rows: summary.rows,
        calls: summary.calls,
        quota: { used, limit: quota },
        failed: summary.failed,
        durationMs: summary.durationMs,
        topPartners: partners.map((p) => ({
          country: p.country,
          name: countries.get(p.country)?.nameEn ?? p.countryName,
          nameKo: countries.get(p.country)?.kcsNameKo ?? p.countryName,
          tradeUsd: p.tradeUsd,
          exportUsd: p.exportUsd,
          importUsd: p.importUsd,
        })),
        topItems: items.map((i) => ({
          hsCode: i.hsCode,
          name: itemName(reference, i.hsCode, i.itemName),
          nameKo: reference.hs.get(i.hsCode)?.nameKo ?? i.itemName,
          tradeUsd: i.tradeUsd,
          exportUsd: i.exportUsd,
          importUsd: i.importUsd,
        })),
      }
      if (values.json) {
        json(ctx, result)
      } else {
        printSummary(ctx, summary)
        write(ctx.stdout, `quota used: ${used} of ${quota} calls today (emulator)\n`)
        write(ctx.stdout, `Top partners ${from}..${to} (US$):`)
        write(
          ctx.stdout,
          table(
            ['code', '국가', 'country', 'exports', 'imports', 'total'],
            result.topPartners.map((p) => [
              p.country,
              p.nameKo,
              p.name,
              p.exportUsd,
              p.importUsd,
              p.tradeUsd,
            ]),
          ),
        )
        write(ctx.stdout, `\nTop items (HS headings) ${from}..${to} (US$):`)
        write(
          ctx.stdout,
          table(
            ['HS', '품목', 'item', 'exports', 'imports', 'total'],
            result.topItems.map((i) => [
              i.hsCode,
              truncateWidth(i.nameKo, 24),
              truncate(i.name, 36),
              i.exportUsd,
              i.importUsd,
              i.tradeUsd,
            ]),
          ),
        )
        write(
          ctx.stdout,
          // The other commands read DATABASE_URL (default ./.kcs-trade/db), not the demo's directory.
          `\nThe mirror is in ${printable(dir)} (PGlite). Next: DATABASE_URL=${shellWord(dir)} kcs-trade status, kcs-trade plan --help, apps/worker/README.md`,
        )
      }
      return summary.failed > 0 ? 1 : 0
    } finally {
      await db.close()
    }
  } finally {
    await emu.close()
  }
}
