// The PostgreSQL and Redis a core benchmark runs against: found or started as for the tests
// (scripts/services.ts), with a database of the run's own that `close` drops.
import { resolve } from 'node:path'
import postgres from 'postgres'
import { ensurePostgres, ensureRedis } from '../../scripts/services'

export const root = resolve(import.meta.dir, '../..')
export const dataDir = resolve(root, '.data')

export async function benchServices() {
  const pg = await ensurePostgres({ url: process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL, dataDir })
  const redis = await ensureRedis({ url: process.env.REDIS_URL, dataDir })
  const dbName = `ytempire_bench_${Date.now().toString(36)}`
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${dbName}`)
  const databaseUrl = new URL(pg.url)
  databaseUrl.pathname = `/${dbName}`
  return {
    databaseUrl: databaseUrl.toString(),
    redisUrl: redis.url,
    async close() {
      await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {})
      await admin.end()
      pg.stop()
      redis.stop()
    },
  }
}
