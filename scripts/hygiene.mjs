#!/usr/bin/env node
// `pnpm hygiene` — what each public package would publish, checked from the tarball `pnpm pack` makes
// (the same packing `pnpm publish` does, so `workspace:` ranges are already replaced):
//
//   - publint --strict on the package, and @arethetypeswrong/cli on the tarball with the `esm-only`
//     profile (our packages are ESM-only by design: `"type": "module"` with no `require` condition,
//     so attw's CommonJS-resolution rule does not apply; every other rule does);
//   - the packed size against the budget in the package README's "Package size" line;
//   - no test files, fixtures or test helpers in the tarball;
//   - every source map's `sources` stay inside the package and point at files that are in the tarball;
//   - no `workspace:` range left in the packed package.json.
//
// Needs the packages built (`pnpm build`; this script runs turbo's build first, a cache hit in CI).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const PUBLIC = ['client', 'reference', 'db', 'emulator']
const FORBIDDEN = [
  [/(^|\/)[^/]+\.(test|spec)\.[cm]?[jt]sx?$/, 'a test file'],
  [/(^|\/)(__fixtures__|fixtures|__tests__|test-utils)\//, 'a test fixture or helper'],
  [/(^|\/)(vitest|tsconfig)[^/]*\.(ts|json)$/, 'build or test configuration'],
  [/\.tsbuildinfo$/, 'a TypeScript build-info file'],
]

const tmp = mkdtempSync(join(tmpdir(), 'kcs-hygiene-'))
const problems = []
const rows = []

function sh(cmd, args, cwd = root) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  })
}

function formatKb(bytes) {
  return `${(bytes / 1000).toFixed(1)} kB`
}

/** `Package size: … under 150 kB …` in the README → bytes. */
function budgetOf(readme) {
  const line = readme.split('\n').find((l) => /package size/i.test(l))
  const m = line?.match(/under\s+([\d.,]+)\s*(kB|MB)/i)
  if (!m) return null
  return Number(m[1].replace(',', '')) * (m[2].toLowerCase() === 'mb' ? 1_000_000 : 1000)
}

try {
  process.stdout.write('==> build (turbo, cached when nothing changed)\n')
  sh('pnpm', [
    'exec',
    'turbo',
    'run',
    'build',
    '--output-logs=errors-only',
    ...PUBLIC.flatMap((p) => ['--filter', `@kcs-trade/${p}`]),
  ])

  for (const pkg of PUBLIC) {
    const dir = join(root, 'packages', pkg)
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const name = manifest.name
    const fail = (message) => problems.push(`${name}: ${message}`)
    process.stdout.write(`\n==> ${name}\n`)

    // publint (the packages' own script: --strict)
    const publint = spawnSync('pnpm', ['exec', 'publint', '--strict'], { cwd: dir, encoding: 'utf8' })
    if (publint.status !== 0) fail(`publint --strict:\n${publint.stdout}${publint.stderr}`)
    else process.stdout.write('    publint --strict: clean\n')

    // pack the way `pnpm publish` does
    const packDir = join(tmp, pkg)
    const packed = sh('pnpm', ['pack', '--pack-destination', packDir, '--json'], dir)
    const tarball = JSON.parse(packed.slice(packed.indexOf('{'))).filename
    const tgz = tarball.startsWith('/') ? tarball : join(packDir, tarball.split('/').pop())
    const size = statSync(tgz).size
    const files = sh('tar', ['-tzf', tgz])
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''))
    const fileSet = new Set(files)

    // size budget
    const readme = readFileSync(join(dir, 'README.md'), 'utf8')
    const budget = budgetOf(readme)
    if (budget === null) fail('README.md has no "Package size: … under N kB" line')
    else if (size > budget)
      fail(`tarball is ${formatKb(size)}, over the README's budget of ${formatKb(budget)}`)
    process.stdout.write(
      `    tarball: ${formatKb(size)} packed, ${files.length} files (budget ${budget === null ? '?' : formatKb(budget)})\n`,
    )

    // forbidden content
    for (const file of files) {
      for (const [re, what] of FORBIDDEN) if (re.test(file)) fail(`${file} is ${what}`)
    }

    // packed manifest
    const packedManifest = JSON.parse(sh('tar', ['-xzOf', tgz, 'package/package.json']))
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, range] of Object.entries(packedManifest[field] ?? {})) {
        if (String(range).startsWith('workspace:')) fail(`packed ${field}.${dep} is ${range}`)
      }
    }

    // source maps: sources inside the package and shipped
    const maps = files.filter((f) => f.endsWith('.map'))
    for (const map of maps) {
      const json = JSON.parse(sh('tar', ['-xzOf', tgz, `package/${map}`]))
      for (const source of json.sources ?? []) {
        const resolved = posix.normalize(posix.join(posix.dirname(map), json.sourceRoot ?? '', source))
        if (resolved.startsWith('..') || posix.isAbsolute(resolved))
          fail(`${map} points outside the package: ${source}`)
        else if (!fileSet.has(resolved)) fail(`${map} points at ${resolved}, which is not in the tarball`)
      }
    }
    process.stdout.write(
      `    contents: no test files or fixtures; ${maps.length} source maps resolve inside the tarball\n`,
    )

    // are the types wrong?
    const attw = spawnSync(
      'pnpm',
      ['exec', 'attw', tgz, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color'],
      { cwd: root, encoding: 'utf8' },
    )
    if (attw.status !== 0) fail(`attw --profile esm-only:\n${attw.stdout}${attw.stderr}`)
    else process.stdout.write('    attw --profile esm-only: no problems\n')

    rows.push({ name, size, budget, files: files.length })
  }
} catch (error) {
  problems.push(
    error instanceof Error ? `${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}` : String(error),
  )
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

process.stdout.write('\npackage sizes\n')
for (const r of rows) {
  const share = r.budget ? ` (${Math.round((r.size / r.budget) * 100)}% of ${formatKb(r.budget)})` : ''
  process.stdout.write(`  ${r.name.padEnd(22)} ${formatKb(r.size).padStart(9)}${share}, ${r.files} files\n`)
}
if (problems.length > 0) {
  process.stdout.write(`\nhygiene FAILED:\n  - ${problems.join('\n  - ')}\n`)
  process.exit(1)
}
process.stdout.write('\nhygiene passed\n')
