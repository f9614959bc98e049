#!/usr/bin/env node
// `pnpm release:rehearse` — the whole release flow against a throw-away local registry:
//
//   1. start verdaccio on 127.0.0.1 (storage in a temp dir). `@kcs-trade/*` is served ONLY from what
//      we publish to it; every other package is proxied from the npm registry (the packages' own
//      third-party dependencies and the consumer's @types/node have to come from somewhere);
//   2. copy the workspace (`git ls-files`, with the working-tree contents) to a temp dir, install
//      offline from the pnpm store, run `changeset version` there and build the public packages;
//   3. `pnpm publish` every public package to the local registry and check the published manifests
//      (no `workspace:` range left, the versions `changeset version` chose, the files they point at);
//   4. in a fresh temp dir outside the workspace: `npm init -y`, `npm install` the four packages from
//      that registry only, then
//        - check every bare import in the installed packages' dist is a declared dependency,
//        - type-check a TypeScript consumer with `tsc` under `moduleResolution: node16` and `bundler`
//          (skipLibCheck off, so the published .d.ts files are checked too), and run it,
//        - run a plain `.mjs` consumer and the `kcs-emulator` bin.
//
// Prints each step and a summary; exits non-zero on any failure; always stops the registry and
// removes the temp dirs (`pnpm release:rehearse --keep` keeps them for inspection).
import { spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const PUBLIC = ['reference', 'client', 'db', 'emulator'] // publish order: dependencies first
const keep = process.argv.includes('--keep')
const started = Date.now()
const results = []
const cleanups = []

const tmp = mkdtempSync(join(tmpdir(), 'kcs-release-'))
const dirs = {
  registry: join(tmp, 'registry'),
  work: join(tmp, 'workspace'),
  consumer: join(tmp, 'consumer'),
}

function log(message) {
  process.stdout.write(`${message}\n`)
}

/** Runs a command; resolves with its stdout, rejects with its output on a non-zero exit. */
function run(cmd, args, { cwd, env, quiet = false, timeoutMs = 180_000, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      if (!quiet) process.stdout.write(`    ${String(d).replace(/\n(?=.)/g, '\n    ')}`)
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else if (allowFail && code !== null) resolve(`${out}${err}`)
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} (in ${cwd ?? process.cwd()}) exited with ${code ?? signal}\n${out}${err}`.trim(),
          ),
        )
    })
  })
}

async function step(name, fn) {
  const t0 = Date.now()
  log(`\n==> ${name}`)
  try {
    const detail = await fn()
    const ms = Date.now() - t0
    results.push({ name, ok: true, ms })
    log(`    ok (${(ms / 1000).toFixed(1)} s)${detail ? ` — ${detail}` : ''}`)
  } catch (error) {
    results.push({ name, ok: false, ms: Date.now() - t0 })
    log(`    FAILED: ${error instanceof Error ? error.message : String(error)}`)
    throw error
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

// ---------------------------------------------------------------------------------------------------
let registry = ''
let token = ''
const versions = {}

async function startRegistry() {
  mkdirSync(dirs.registry, { recursive: true })
  const port = await freePort()
  registry = `http://127.0.0.1:${port}/`
  // `@kcs-trade/*` has no `proxy`: a name we did not publish is a 404, never fetched from npm.
  const config = `storage: ${JSON.stringify(join(dirs.registry, 'storage'))}
auth:
  htpasswd:
    file: ${JSON.stringify(join(dirs.registry, 'htpasswd'))}
    max_users: 10
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
    timeout: 60s
    cache: false
packages:
  '@kcs-trade/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: npmjs
server:
  keepAliveTimeout: 60
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
`
  const configPath = join(dirs.registry, 'config.yaml')
  writeFileSync(configPath, config)
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')),
    'bin',
    'verdaccio',
  )
  const child = spawn(process.execPath, [bin, '--config', configPath, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  let output = ''
  child.stdout.on('data', (d) => {
    output += d
  })
  child.stderr.on('data', (d) => {
    output += d
  })
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('close', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 3000).unref()
      }),
  )
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}\n${output}`)
    try {
      const res = await fetch(`${registry}-/ping`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline)
      throw new Error(`verdaccio did not answer on ${registry} within 30 s\n${output}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  // A user for publishing (verdaccio's htpasswd plugin creates it on first `adduser`).
  const res = await fetch(`${registry}-/user/org.couchdb.user:rehearsal`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-only-password', type: 'user', roles: [] }),
  })
  const body = await res.json()
  if (!res.ok || typeof body.token !== 'string')
    throw new Error(`adduser failed: ${res.status} ${JSON.stringify(body)}`)
  token = body.token
  // Nothing of ours may exist there before we publish it (i.e. the scope is not proxied).
  const probe = await fetch(`${registry}@kcs-trade%2fclient`)
  if (probe.status !== 404)
    throw new Error(`@kcs-trade/client resolved before publishing (HTTP ${probe.status})`)
  return `verdaccio on ${registry} (@kcs-trade/* local only, other packages proxied from npm)`
}

function npmrc(extra = '') {
  const host = registry.replace(/^http:/, '')
  return `registry=${registry}\n${host}:_authToken=${token}\n${extra}`
}

async function copyWorkspace() {
  const list = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    quiet: true,
  })
  let count = 0
  for (const file of list.split('\0')) {
    if (!file || !existsSync(join(root, file))) continue // deleted in the working tree
    const to = join(dirs.work, file)
    mkdirSync(dirname(to), { recursive: true })
    cpSync(join(root, file), to)
    count++
  }
  if (!existsSync(join(dirs.work, 'pnpm-lock.yaml')))
    cpSync(join(root, 'pnpm-lock.yaml'), join(dirs.work, 'pnpm-lock.yaml'))
  // The copy is its own git repository, so nothing below can touch the real one.
  await run('git', ['init', '-q'], { cwd: dirs.work, quiet: true })
  await run('pnpm', ['install', '--frozen-lockfile', '--offline', '--reporter=silent'], {
    cwd: dirs.work,
    quiet: true,
  })
  return `${count} files copied to ${dirs.work}, installed offline from the pnpm store`
}

async function changesetVersion() {
  const pending = readdirSync(join(dirs.work, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  )
  await run('pnpm', ['exec', 'changeset', 'version'], { cwd: dirs.work, quiet: true })
  const lines = []
  for (const pkg of PUBLIC) {
    const manifest = readJson(join(dirs.work, 'packages', pkg, 'package.json'))
    versions[manifest.name] = manifest.version
    if (
      manifest.version === readJson(join(root, 'packages', pkg, 'package.json')).version &&
      pending.length > 0
    ) {
      // Not an error in itself (a package without a changeset keeps its version), but say so.
      lines.push(`${manifest.name} unchanged at ${manifest.version}`)
    } else lines.push(`${manifest.name}@${manifest.version}`)
    if (!existsSync(join(dirs.work, 'packages', pkg, 'CHANGELOG.md'))) {
      throw new Error(`changeset version wrote no CHANGELOG.md for ${manifest.name}`)
    }
  }
  const left = readdirSync(join(dirs.work, '.changeset')).filter(
    (f) => f.endsWith('.md') && f !== 'README.md',
  )
  if (left.length > 0) throw new Error(`changesets left after \`changeset version\`: ${left.join(', ')}`)
  return `${pending.length} changesets consumed → ${lines.join(', ')}`
}

async function build() {
  await run('pnpm', ['--filter', './packages/*', '--workspace-concurrency=2', 'run', 'build'], {
    cwd: dirs.work,
    quiet: true,
  })
  return 'packages/* built'
}

async function publish() {
  // pnpm reads auth from the workspace root's .npmrc (the copy's, never the real one).
  writeFileSync(join(dirs.work, '.npmrc'), npmrc())
  for (const pkg of PUBLIC) {
    const dir = join(dirs.work, 'packages', pkg)
    await run('pnpm', ['publish', '--registry', registry, '--no-git-checks', '--access', 'public'], {
      cwd: dir,
      quiet: true,
    })
  }
  // Check what the registry now serves.
  const problems = []
  for (const pkg of PUBLIC) {
    const local = readJson(join(dirs.work, 'packages', pkg, 'package.json'))
    const res = await fetch(`${registry}${local.name.replace('/', '%2f')}`)
    if (!res.ok) {
      problems.push(`${local.name}: HTTP ${res.status} from the registry after publishing`)
      continue
    }
    const doc = await res.json()
    const published = doc.versions?.[local.version]
    if (!published) {
      problems.push(`${local.name}@${local.version} is not in the registry`)
      continue
    }
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(published[field] ?? {})) {
        if (String(range).startsWith('workspace:')) problems.push(`${local.name} ${field}.${name} = ${range}`)
        if (name.startsWith('@kcs-trade/') && field !== 'devDependencies' && range !== `^${versions[name]}`) {
          problems.push(`${local.name} ${field}.${name} = ${range}, expected ^${versions[name]}`)
        }
      }
    }
    if (!published.dist?.tarball || !published.dist?.integrity)
      problems.push(`${local.name}: no dist.tarball/integrity`)
  }
  if (problems.length > 0) throw new Error(`published manifests are wrong:\n  ${problems.join('\n  ')}`)
  return `${PUBLIC.length} packages published; no workspace: range in the published manifests`
}

async function install() {
  mkdirSync(dirs.consumer, { recursive: true })
  // .npmrc first: `npm init` and `npm install` see this registry only.
  writeFileSync(join(dirs.consumer, '.npmrc'), npmrc('fund=false\naudit=false\nupdate-notifier=false\n'))
  await run('npm', ['init', '-y'], { cwd: dirs.consumer, quiet: true })
  const specs = PUBLIC.map((p) => `@kcs-trade/${p}@${versions[`@kcs-trade/${p}`]}`)
  // @types/node: the consumer's own choice (the oldest Node line we support); typescript is the
  // workspace's (see typecheck()), so the install stays small.
  await run('npm', ['install', '--no-package-lock=false', ...specs, '@types/node@20'], {
    cwd: dirs.consumer,
    quiet: true,
    timeoutMs: 240_000,
  })
  const lock = readJson(join(dirs.consumer, 'package-lock.json'))
  const foreign = Object.entries(lock.packages ?? {})
    .filter(([, v]) => v.resolved && !v.resolved.startsWith(registry))
    .map(([k, v]) => `${k} from ${v.resolved}`)
  if (foreign.length > 0) throw new Error(`resolved outside the local registry:\n  ${foreign.join('\n  ')}`)
  for (const pkg of PUBLIC) {
    const installed = readJson(join(dirs.consumer, 'node_modules', '@kcs-trade', pkg, 'package.json'))
    if (installed.version !== versions[installed.name]) {
      throw new Error(
        `${installed.name}: installed ${installed.version}, published ${versions[installed.name]}`,
      )
    }
  }
  return `${specs.join(' ')} installed in ${dirs.consumer} (${Object.keys(lock.packages).length - 1} packages, all from ${registry})`
}

/** Every bare specifier imported by the installed packages' JS must be a builtin or declared. */
async function checkDependencies() {
  const builtins = new Set(builtinModules)
  const problems = []
  let files = 0
  const seen = new Set()
  for (const pkg of PUBLIC) {
    const dir = join(dirs.consumer, 'node_modules', '@kcs-trade', pkg)
    const manifest = readJson(join(dir, 'package.json'))
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ])
    const walk = (d) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, entry.name)
        if (entry.isDirectory()) walk(p)
        else if (/\.(m?js|d\.m?ts)$/.test(entry.name)) {
          files++
          const text = readFileSync(p, 'utf8')
          const re =
            /(?:^|[\s;})])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm
          for (const m of text.matchAll(re)) {
            const spec = m[1] ?? m[2] ?? m[3]
            if (!spec || spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
            seen.add(`${manifest.name} → ${name}`)
            if (!declared.has(name))
              problems.push(`${manifest.name}: ${relative(dir, p)} imports '${spec}', not declared`)
          }
        }
      }
    }
    walk(join(dir, 'dist'))
  }
  if (problems.length > 0)
    throw new Error(`undeclared dependencies:\n  ${[...new Set(problems)].join('\n  ')}`)
  // The scan must have found the dependencies we know of, or it is not looking at anything.
  for (const edge of [
    '@kcs-trade/client → ky',
    '@kcs-trade/db → drizzle-orm',
    '@kcs-trade/emulator → @kcs-trade/reference',
  ]) {
    if (!seen.has(edge)) throw new Error(`the import scan missed ${edge}`)
  }
  return `${files} .js/.d.ts files, ${seen.size} package → dependency edges: all builtins or declared dependencies (${[...seen].join(', ')})`
}

const TS_CONSUMER = `// A consumer written against the published packages only.
import { createKcsClient, isKcsError, type TradeRow } from '@kcs-trade/client'
import { connect, migrate, monthlySeries, replaceSlice, type ReplaceSummary } from '@kcs-trade/db'
import { createEmulator, type Emulator, type EmulatorOptions } from '@kcs-trade/emulator'
import { countries, hs, hsk, ReferenceInputError } from '@kcs-trade/reference'
import { countries as countriesOnly } from '@kcs-trade/reference/countries'
import { hs as hsOnly } from '@kcs-trade/reference/hs'
import { hsk as hskOnly } from '@kcs-trade/reference/hsk'

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(\`consumer check failed: \${message}\`)
}

const options: EmulatorOptions = { port: 0, seed: 1, keys: ['test-key'], today: '2026-11-23' }
const emu: Emulator = await createEmulator(options)
try {
  const kcs = createKcsClient({ serviceKey: 'test-key', baseUrl: emu.url, retry: 0 })
  const { rows, total, meta } = await kcs.tradeByItemCountry({ country: 'US', from: '2025-01', to: '2025-03' })
  const typed: readonly TradeRow[] = rows
  check(typed.length > 0, 'the emulator served rows')
  check(meta.sumsMatch === true, 'rows sum to the totals row')
  const expected = emu.truth.rows({ country: 'US', from: '2025-01', to: '2025-03' })
  check(JSON.stringify(rows) === JSON.stringify(expected), 'client rows equal the emulator truth')

  const db = await connect('memory://')
  try {
    await migrate(db)
    const summary: ReplaceSummary = await replaceSlice(db, { country: 'US', from: '2025-01', to: '2025-03' }, rows, {
      total,
      bodySha256: meta.bodySha256,
      durationMs: meta.durationMs,
      attempts: meta.attempts,
      sumsMatch: meta.sumsMatch,
    })
    check(summary.rowCount === rows.length && summary.firstFetch, 'replaceSlice wrote every row')
    const series = await monthlySeries(db, { country: 'US', from: '2025-01', to: '2025-03' })
    check(series.length === 3, 'three monthly points')
    const exportUsd = series.reduce((sum, p) => sum + p.exportUsd, 0)
    check(exportUsd === total?.exportUsd, 'the stored exports equal the totals row')
  } finally {
    await db.close()
  }

  const row = rows[0]!
  check(countries.get(row.countryCode)?.nameKo === '미국', 'countries.get(US) is 미국')
  check(countriesOnly.byName('United States')?.code === 'US', 'countries.byName from the subpath')
  check(hs.get(row.hsCode.slice(0, 4)) !== undefined, 'hs.get of a served heading')
  check(hsOnly.isValid('851713') && !hsOnly.isValid('851713', { edition: '2017' }), 'hs editions')
  check(hsk.get(row.hsCode)?.code === row.hsCode || hskOnly.all().length > 10000, 'hsk table loads')
  try {
    countries.get('usa')
    check(false, 'countries.get(usa) throws')
  } catch (error) {
    check(error instanceof ReferenceInputError, 'ReferenceInputError is exported')
  }
  try {
    await createKcsClient({ serviceKey: 'wrong-key', baseUrl: emu.url, retry: 0 }).tradeByItemCountry({
      country: 'US',
      from: '2025-01',
      to: '2025-01',
    })
    check(false, 'an unregistered key fails')
  } catch (error) {
    check(isKcsError(error), 'an unregistered key is a KcsError')
  }
  console.log(\`consumer ok: \${rows.length} rows, \${countries.get('US')?.nameKo}, HSK \${hskOnly.all().length} codes\`)
} finally {
  await emu.close()
}
`

async function writeConsumers() {
  const c = dirs.consumer
  writeFileSync(join(c, 'consumer.mts'), TS_CONSUMER)
  // The .mjs consumer: the TS one with the types stripped by hand (no build step in between).
  const mjs = TS_CONSUMER.replace(/, type [A-Za-z]+/g, '')
    .replace(/: asserts condition/, '')
    .replace(/\(condition: unknown, message: string\)/, '(condition, message)')
    .replace(/const options: EmulatorOptions/, 'const options')
    .replace(/const emu: Emulator/, 'const emu')
    .replace(/const typed: readonly TradeRow\[\]/, 'const typed')
    .replace(/const summary: ReplaceSummary/, 'const summary')
    .replace(/rows\[0\]!/, 'rows[0]')
    .replace(/total\?\.exportUsd/, 'total?.exportUsd')
  if (/:\s*(readonly|Emulator|ReplaceSummary)|\btype\s+[A-Z]/.test(mjs))
    throw new Error('type stripping missed something')
  writeFileSync(join(c, 'consumer.mjs'), mjs)
  const base = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: 'ES2022',
    lib: ['ES2023'],
    types: ['node'],
    noUncheckedIndexedAccess: true,
  }
  writeFileSync(
    join(c, 'tsconfig.node16.json'),
    JSON.stringify(
      {
        compilerOptions: {
          ...base,
          module: 'node16',
          moduleResolution: 'node16',
          noEmit: false,
          outDir: 'out',
        },
        files: ['consumer.mts'],
      },
      null,
      2,
    ),
  )
  writeFileSync(
    join(c, 'tsconfig.bundler.json'),
    JSON.stringify(
      {
        compilerOptions: { ...base, module: 'preserve', moduleResolution: 'bundler' },
        files: ['consumer.mts'],
      },
      null,
      2,
    ),
  )
}

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

async function typecheck(kind) {
  // The consumer as most projects build it (skipLibCheck on) must be clean…
  await run(process.execPath, [tsc, '-p', `tsconfig.${kind}.json`], { cwd: dirs.consumer, quiet: true })
  // …and our own published .d.ts must be clean with skipLibCheck off (a missing or undeclared type
  // import shows up there). Third-party .d.ts files (drizzle-orm's other dialects) are not ours to fix.
  const out = await run(
    process.execPath,
    [tsc, '-p', `tsconfig.${kind}.json`, '--skipLibCheck', 'false', '--noEmit'],
    {
      cwd: dirs.consumer,
      quiet: true,
      allowFail: true,
    },
  )
  const ours = out.split('\n').filter((line) => line.startsWith('node_modules/@kcs-trade/'))
  if (ours.length > 0) throw new Error(`errors in the published declarations:\n  ${ours.join('\n  ')}`)
  const version = readJson(join(root, 'node_modules', 'typescript', 'package.json')).version
  return `tsc -p tsconfig.${kind}.json (TypeScript ${version}): no errors; no error in @kcs-trade/*.d.ts with skipLibCheck off`
}

async function runConsumer(file) {
  const out = await run(process.execPath, [file], { cwd: dirs.consumer, quiet: true, timeoutMs: 120_000 })
  if (!out.includes('consumer ok')) throw new Error(`unexpected output:\n${out}`)
  return out.trim()
}

async function runBin() {
  const out = await run(join(dirs.consumer, 'node_modules', '.bin', 'kcs-emulator'), ['--help'], {
    cwd: dirs.consumer,
    quiet: true,
  })
  if (!/--port/.test(out)) throw new Error(`kcs-emulator --help printed no usage:\n${out}`)
  return 'node_modules/.bin/kcs-emulator --help prints the usage'
}

// ---------------------------------------------------------------------------------------------------
let failed = false
process.on('SIGINT', () => {
  failed = true
  cleanup().finally(() => process.exit(130))
})
process.on('SIGTERM', () => {
  failed = true
  cleanup().finally(() => process.exit(143))
})

let cleaned = false
async function cleanup() {
  if (cleaned) return
  cleaned = true
  for (const fn of cleanups.reverse()) {
    try {
      await fn()
    } catch {}
  }
  if (keep) log(`\n(kept ${tmp})`)
  else rmSync(tmp, { recursive: true, force: true })
}

try {
  await step('start a throw-away registry', startRegistry)
  await step('copy the workspace', copyWorkspace)
  await step('changeset version (on the copy)', changesetVersion)
  await step('build', build)
  await step('publish to the local registry', publish)
  await step('npm init -y && npm install the four packages (fresh dir, local registry only)', install)
  await step('every import of the published code is a declared dependency', checkDependencies)
  await writeConsumers()
  await step('TypeScript consumer: tsc, moduleResolution node16', () => typecheck('node16'))
  await step('TypeScript consumer: tsc, moduleResolution bundler', () => typecheck('bundler'))
  await step('run the compiled TypeScript consumer', () => runConsumer('out/consumer.mjs'))
  await step('run the plain .mjs consumer', () => runConsumer('consumer.mjs'))
  await step('the kcs-emulator bin', runBin)
} catch {
  failed = true
} finally {
  await cleanup()
}

log('\nrelease rehearsal summary')
for (const r of results) log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${(r.ms / 1000).toFixed(1)} s)`)
log(`${failed ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(failed ? 1 : 0)
