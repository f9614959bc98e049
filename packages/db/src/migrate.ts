import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import type { KcsDatabase } from './connect.js'
import { describeValue, InvalidArgumentError, MigrationError, messageOf } from './errors.js'
import { assertDatabase, optionsObject } from './guards.js'
import { MIGRATION_LOCK } from './locks.js'
import { rowsOf } from './sql.js'

/** Where `migrate` reads migrations from and keeps its bookkeeping; every field has a drizzle-kit-compatible default. */
export interface MigrateOptions {
  /** Folder of drizzle-kit migrations (default: the `drizzle/` folder shipped with this package). */
  migrationsFolder?: string
  /** Schema of the bookkeeping table (default `drizzle`, as drizzle-kit). */
  migrationsSchema?: string
  /** Bookkeeping table (default `__drizzle_migrations`, as drizzle-kit). */
  migrationsTable?: string
}

/** What one `migrate` call did. */
export interface MigrateResult {
  /** Tags of the migrations applied by this call (empty when the schema was current). */
  applied: string[]
}

/** The migrations shipped with the package: `<package>/drizzle`, one level above `src/` and `dist/`. */
export const migrationsFolder: string = fileURLToPath(new URL('../drizzle', import.meta.url))

/**
 * Applies the pending drizzle-kit migrations in one transaction, under a transaction-scoped advisory
 * lock, so processes starting at once apply each migration exactly once. Uses drizzle-kit's
 * bookkeeping table, so `drizzle-kit migrate` and this function agree.
 */
export async function migrate(db: KcsDatabase, options: MigrateOptions = {}): Promise<MigrateResult> {
  assertDatabase(db)
  options = optionsObject(
    options,
    'options',
    'Pass { migrationsFolder?, migrationsSchema?, migrationsTable? } or nothing.',
  )
  for (const key of ['migrationsFolder', 'migrationsSchema', 'migrationsTable'] as const) {
    const value = options[key]
    if (
      value !== undefined &&
      (typeof value !== 'string' || value === '' || value.length > 4096 || value.includes('\u0000'))
    )
      throw new InvalidArgumentError(
        `options.${key}`,
        `must be a non-empty string without NUL, got ${describeValue(value)}`,
        'Leave it out for the drizzle-kit default.',
      )
  }
  const folder = options.migrationsFolder ?? migrationsFolder
  if (!existsSync(folder)) throw new MigrationError(`Migrations folder not found: ${folder}`)
  let migrations: ReturnType<typeof readMigrationFiles>
  try {
    migrations = readMigrationFiles({ migrationsFolder: folder })
  } catch (error) {
    throw new MigrationError(`Cannot read migrations in ${folder}: ${messageOf(error)}`, error)
  }
  const tags = readTags(folder, migrations.length)
  const table = sql`${sql.identifier(options.migrationsSchema ?? 'drizzle')}.${sql.identifier(
    options.migrationsTable ?? '__drizzle_migrations',
  )}`
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(${MIGRATION_LOCK[0]}::int, ${MIGRATION_LOCK[1]}::int)`,
      )
      await tx.execute(
        sql`create schema if not exists ${sql.identifier(options.migrationsSchema ?? 'drizzle')}`,
      )
      await tx.execute(
        sql`create table if not exists ${table} (id serial primary key, hash text not null, created_at bigint)`,
      )
      const last = rowsOf<{ created_at: string | number }>(
        await tx.execute(
          sql`select created_at::text as created_at from ${table} order by created_at desc limit 1`,
        ),
      )[0]
      const lastMillis = last ? Number(last.created_at) : Number.NEGATIVE_INFINITY
      const applied: string[] = []
      for (const [i, migration] of migrations.entries()) {
        if (migration.folderMillis <= lastMillis) continue
        for (const statement of migration.sql) {
          if (statement.trim() !== '') await tx.execute(sql.raw(statement))
        }
        await tx.execute(
          sql`insert into ${table} (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
        )
        applied.push(tags[i] ?? migration.hash)
      }
      return { applied }
    })
  } catch (error) {
    if (error instanceof MigrationError) throw error
    throw new MigrationError(`Applying migrations failed: ${messageOf(error)}`, error)
  }
}

function readTags(folder: string, count: number): string[] {
  try {
    const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as {
      entries: { tag: string }[]
    }
    return journal.entries.map((e) => e.tag)
  } catch {
    return Array.from({ length: count }, (_, i) => String(i))
  }
}
