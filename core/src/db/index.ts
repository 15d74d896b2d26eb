import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type PgDatabase, type PgQueryResultHKT, withReplicas } from 'drizzle-orm/pg-core'
import * as schema from './schema'

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>
export interface Database {
  /** The primary: every write, and every read that must see the latest state. The default everywhere. */
  db: Db
  /**
   * For reads that may lag by the replicas' replication delay (lists, analytics): drizzle's
   * withReplicas sends selects and relational queries to a random replica and everything else
   * (insert, update, delete, execute, transactions) to the primary; `$primary` is the primary. The
   * primary itself when no replica is configured. Pick it per user with ReadRouter.readerFor, which
   * keeps a user who just wrote on the primary (core/src/db/read-your-writes.ts).
   */
  replicated: Db
  replicaCount: number
  kind: 'postgres' | 'pglite'
  ping(): Promise<void>
  close(): Promise<void>
  /** Runs fn while holding a PostgreSQL advisory lock (a no-op lock for the single-process embedded database). */
  withLock<T>(key: number, fn: () => Promise<T>): Promise<T>
}

/** PostgreSQL advisory-lock ids, one per task only one core instance may run at a time. */
export const ADVISORY_LOCKS = {
  /** applying migrations at start */
  migrations: 7261504,
  /** creating or rotating the JWT signing key */
  signingKeys: 7261505,
  /** anything that changes who is admin: the first registration, a role change, an account deletion */
  adminRoles: 7261506,
  /** making the installation's id at the first start */
  installation: 7261507,
} as const

export const MIGRATIONS_DIR = resolve(import.meta.dir, '../../../drizzle')

/**
 * DATABASE_URL set: postgres.js against a real server. Unset: embedded PostgreSQL (PGlite)
 * persisted under the data folder, so the demo needs no server.
 */
export async function openDatabase(opts: { url?: string; replicaUrls?: string[]; dataDir: string; poolMax?: number }): Promise<Database> {
  const replicaUrls = opts.replicaUrls ?? []
  if (replicaUrls.length && !opts.url) throw new Error('DATABASE_REPLICA_URLS needs DATABASE_URL (the embedded database has no replicas)')
  if (opts.url) {
    const { default: postgres } = await import('postgres')
    const { drizzle } = await import('drizzle-orm/postgres-js')
    const connect = (url: string) => postgres(url, { max: opts.poolMax ?? 20, onnotice: () => {}, connect_timeout: 10 })
    const client = connect(opts.url)
    const db = drizzle(client, { schema }) as unknown as Db
    const replicaClients = replicaUrls.map(connect)
    const replicaDbs = replicaClients.map((c) => drizzle(c, { schema }) as unknown as Db)
    return {
      db,
      replicated: replicaDbs.length ? (withReplicas(db, replicaDbs as [Db, ...Db[]]) as unknown as Db) : db,
      replicaCount: replicaDbs.length,
      kind: 'postgres',
      ping: async () => {
        await client`select 1`
      },
      close: async () => {
        await Promise.all([client, ...replicaClients].map((c) => c.end({ timeout: 5 })))
      },
      withLock: async (key, fn) => {
        const lockConn = postgres(opts.url!, { max: 1, onnotice: () => {} })
        try {
          await lockConn`select pg_advisory_lock(${key})`
          return await fn()
        } finally {
          await lockConn`select pg_advisory_unlock(${key})`.catch(() => {})
          await lockConn.end({ timeout: 5 })
        }
      },
    }
  }
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const dir = join(opts.dataDir, 'pglite')
  mkdirSync(dir, { recursive: true })
  const client = new PGlite(dir)
  await client.waitReady
  const db = drizzle(client, { schema }) as unknown as Db
  return {
    db,
    replicated: db,
    replicaCount: 0,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1')
    },
    close: async () => {
      await client.close()
    },
    withLock: (_key, fn) => fn(),
  }
}

/** Applies pending migrations; an advisory lock keeps two starting replicas from racing. */
export async function migrateDatabase(database: Database): Promise<void> {
  const migrationsFolder = MIGRATIONS_DIR
  if (database.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator')
    await migrate(database.db as never, { migrationsFolder })
    return
  }
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  // The lock lives on its own connection for the whole migration, so concurrent starts queue up.
  await database.withLock(ADVISORY_LOCKS.migrations, () => migrate(database.db as never, { migrationsFolder }))
}
