// Read replicas with a real streaming replica: a private primary, a standby made by pg_basebackup
// (hot standby, WAL streamed), and the core configured with DATABASE_REPLICA_URLS. Pausing the
// standby's replay makes "which server answered" visible: a row on the primary that the standby has
// not replayed yet shows only on reads that went to the primary.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { createApp, createServices } from '../../core/src/app'
import { loadConfig } from '../../core/src/config'
import { type Database, migrateDatabase, openDatabase } from '../../core/src/db'
import { channels } from '../../core/src/db/schema'
import { createDeps, type Deps } from '../../core/src/deps'
import { createRedis } from '../../core/src/infra/redis'
import { json, REDIS_URL, signUp } from '../../core/test/harness'
import { asPostgres, missingTools, PrivateCluster, sh, workDir } from './private-postgres'

const missing = missingTools()
if (missing) console.warn(`[ops] read-replica test skipped: ${missing}`)

describe.skipIf(Boolean(missing))('read replicas (streaming standby)', () => {
  let dir: string
  let storageDir: string
  let primary: PrivateCluster
  let standby: PrivateCluster
  const prefix = `t:${crypto.randomUUID().slice(0, 8)}:`
  const cores: { deps: Deps; database: Database }[] = []

  async function core() {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: primary.urlFor('app'),
      DATABASE_REPLICA_URLS: standby.urlFor('app'),
      DATABASE_REPLICA_STICKY_S: '1',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      QUEUE_PREFIX: `tq-${prefix.split(':')[1]}`,
      STORAGE_DIR: storageDir,
      TRUST_PROXY: 'true',
    })
    const rateLimits = { ...config.rateLimits, auth: { limit: 1000, windowSeconds: 60 } }
    const database = await openDatabase({ url: config.databaseUrl, replicaUrls: config.databaseReplicaUrls, dataDir: '/tmp', poolMax: 3 })
    if (!cores.length) await migrateDatabase(database)
    const deps = await createDeps({ ...config, rateLimits }, database, createRedis(REDIS_URL, 'test'))
    cores.push({ deps, database })
    const services = createServices(deps)
    const app = createApp(deps, services)
    return {
      app,
      deps,
      services,
      request: (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
        const headers = new Headers(init.headers)
        if (init.json !== undefined) headers.set('content-type', 'application/json')
        if (init.token) headers.set('authorization', `Bearer ${init.token}`)
        headers.set('x-forwarded-for', '203.0.113.9')
        const body = init.json !== undefined ? JSON.stringify(init.json) : init.body
        return app.handle(new Request(`http://localhost${path}`, { ...init, headers, body }))
      },
    }
  }

  /** Until the standby has replayed everything the primary has written so far. */
  async function caughtUp() {
    const p = primary.client()
    const s = standby.client()
    try {
      const [{ lsn }] = (await p`select pg_current_wal_lsn()::text as lsn`) as unknown as [{ lsn: string }]
      for (;;) {
        const [{ behind }] = (await s`select pg_last_wal_replay_lsn() < ${lsn}::pg_lsn as behind`) as unknown as [{ behind: boolean }]
        if (!behind) return
        await Bun.sleep(20)
      }
    } finally {
      await Promise.all([p.end(), s.end()])
    }
  }

  async function replay(on: boolean) {
    const s = standby.client()
    await (on ? s`select pg_wal_replay_resume()` : s`select pg_wal_replay_pause()`)
    await s.end()
  }

  beforeAll(async () => {
    dir = workDir('replica')
    storageDir = mkdtempSync(join(tmpdir(), 'ytempire-storage-'))
    primary = await PrivateCluster.create(dir, 'primary', { settings: { wal_level: 'replica', max_wal_senders: '4' } })
    primary.start()
    // A standby exactly as an operator makes one: a base backup that streams WAL, with its standby.signal (-R).
    sh(
      asPostgres([
        join(primary.bin, 'pg_basebackup'),
        '-h',
        '127.0.0.1',
        '-p',
        String(primary.port),
        '-U',
        'postgres',
        '-D',
        join(dir, 'standby'),
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ]),
    )
    standby = await PrivateCluster.adopt(join(dir, 'standby'))
    standby.configure({ hot_standby: 'on' })
    standby.start()
    const admin = primary.client()
    await admin`create database app`
    await admin.end()
    await caughtUp()
  }, 120_000)

  afterAll(async () => {
    for (const c of cores) {
      await c.deps.bus.close()
      c.deps.redis.disconnect()
      await c.deps.pipeline.close()
      await c.deps.jobs.close()
      await c.database.close()
    }
    standby?.stop('immediate')
    primary?.stop('immediate')
    const cleaner = createRedis(REDIS_URL, 'test-cleanup')
    const keys = await cleaner.keys(`${prefix}*`)
    if (keys.length) await cleaner.del(...keys)
    cleaner.disconnect()
    rmSync(dir, { recursive: true, force: true })
    rmSync(storageDir, { recursive: true, force: true })
  })

  test('selects go to the replica and writes to the primary; a user who just wrote reads from the primary', async () => {
    const a = await core()
    const b = await core()
    const alice = await signUp(a)
    const bob = await signUp(a)
    await caughtUp()
    await replay(false)
    try {
      // Through drizzle's withReplicas: the insert lands on the primary, the select asks the standby.
      const replicated = a.deps.database.replicated
      const [row] = await replicated
        .insert(channels)
        .values({
          userId: bob.user.id,
          name: 'written by an admin tool',
          niche: 'ops',
          cadence: { videosPerWeek: 1, days: ['mon'], time: '09:00' },
        })
        .returning()
      expect(await replicated.select().from(channels).where(eq(channels.id, row!.id))).toEqual([])
      expect(await a.deps.database.db.select().from(channels).where(eq(channels.id, row!.id))).toHaveLength(1)
      // Bob did not write: his list comes from the standby, without the channel written for him.
      const bobs = await json(await b.request('/v1/channels', { token: bob.accessToken }))
      expect(bobs.items ?? bobs).toEqual([])

      // Alice creates a channel on one core replica and lists on another: read-your-writes holds.
      const created = await a.request('/v1/channels', {
        method: 'POST',
        token: alice.accessToken,
        json: { name: 'Deep Sea', niche: 'ocean' },
      })
      expect(created.status).toBe(201)
      const list = await json(await b.request('/v1/channels', { token: alice.accessToken }))
      expect((list.items ?? list).map((c: { name: string }) => c.name)).toEqual(['Deep Sea'])
      expect(await b.services.channels.list(alice.user.id)).toHaveLength(1)

      // Once her mark expires (1 s here), her lists go to the (still paused) standby again.
      while (await a.deps.redis.exists(`${prefix}rw:${alice.user.id}`)) await Bun.sleep(50)
      expect(await b.services.channels.list(alice.user.id)).toEqual([])
    } finally {
      await replay(true)
    }
    await caughtUp()
    expect((await b.services.channels.list(alice.user.id)).map((c) => c.name)).toEqual(['Deep Sea'])
    expect((await b.services.channels.list(bob.user.id)).map((c) => c.name)).toEqual(['written by an admin tool'])
  }, 60_000)
})
