// Test harness: each test file gets its own database on the real PostgreSQL server and its own Redis
// key prefix, so files can run in any order without seeing each other's data.
import { afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { QUEUE_PREFIX, type VideoEventOf } from '@ytempire/contract'
import { deleteRedisPrefix } from '@ytempire/test-support'
import * as OTPAuth from 'otpauth'
import postgres from 'postgres'
import { type App, createApp, createServices, type Services } from '../src/app'
import { type Config, loadConfig } from '../src/config'
import { type Database, migrateDatabase, openDatabase } from '../src/db'
import { createDeps, type Deps } from '../src/deps'
import type { Clock } from '../src/infra/clock'
import { createRedis } from '../src/infra/redis'
import { startAnalyticsWorker } from '../src/modules/analytics/worker'
import { startAutopilotWorker } from '../src/modules/autopilot/worker'
import { startBillingWorkers } from '../src/modules/billing/worker'
import { startVideoEventConsumer } from '../src/modules/videos/events'
import { startWebhookDeliveries } from '../src/modules/webhooks/worker'

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const PASSWORD = 'correct horse battery!'

const randomId = () => Math.random().toString(36).slice(2, 10)

export interface TestDb {
  url: string
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDb> {
  const name = `ytempire_t_${randomId()}`
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {})
      await a.end()
    },
  }
}

export interface Core {
  app: App
  deps: Deps
  services: ReturnType<typeof createServices>
  /** set when the core listens on a port (`listen: true`) */
  url?: string
  request(path: string, init?: RequestInit & { json?: unknown; token?: string; ip?: string }): Promise<Response>
}

/** A core a test environment started. */
export interface StartedCore extends Core {
  /** Stops it as a process going away would: open connections cut, its workers and pools closed. */
  close(): Promise<void>
}

/** What a test core runs besides its HTTP app, and how it is reached. */
export interface CoreOptions {
  /** Record the workers' video reports. */
  consumeEvents?: boolean
  /** Deliver webhooks and run billing's jobs. */
  background?: boolean
  /** Consume the autopilot's scheduler firings. */
  autopilot?: boolean
  /** Consume analytics runs and the WebSub sweep. */
  analytics?: boolean
  /** Serve on a port (workers in other processes call the core). */
  listen?: boolean
  /** The port to serve on (a core restarted where a closed one listened); any free one when unset. */
  port?: number
  /** The core's "now". */
  clock?: Clock
  /** Run the relay that retries what failed after a commit. */
  outbox?: boolean
  /** Reach the test database another way (through a proxy a test can cut). */
  databaseUrl?: (url: string) => string
  /** The process metrics in /metrics, as `bun run core` has them. */
  defaultMetrics?: boolean
}

/**
 * A test environment: one database, one Redis prefix, and any number of core instances sharing them
 * (like replicas behind a load balancer).
 */
export async function testEnv(overrides: (c: Config) => Config = (c) => c) {
  const db = await createTestDatabase()
  const prefix = `t:${randomId()}:`
  const storageDir = mkdtempSync(join(tmpdir(), 'ytempire-storage-'))
  type Running = {
    deps: Deps
    database: Database
    services: Services
    background: { close(): Promise<void> }[]
    server?: { stop(force?: boolean): unknown }
  }
  const cores: Running[] = []
  const queuePrefixes = new Set<string>()
  async function stop(c: Running) {
    await c.server?.stop(true)
    for (const b of c.background) await b.close()
    await c.deps.bus.close()
    c.deps.redis.disconnect()
    await c.deps.pipeline.close()
    await c.deps.jobs.close()
    await c.database.close()
  }
  const baseConfig = overrides({
    ...loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_URL,
      REDIS_PREFIX: prefix,
      TRUST_PROXY: 'true',
      CORS_ORIGINS: 'https://app.ytempire.test',
      EDGE_SHARED_SECRET: 'edge-test-secret',
      QUEUE_PREFIX: `tq-${prefix.split(':')[1]}`,
      STORAGE_DIR: storageDir,
    }),
  })
  // Tests log in many times from one address; the rate-limit tests lower this again.
  const config: Config = {
    ...baseConfig,
    rateLimits: { ...baseConfig.rateLimits, auth: { limit: 10_000, windowSeconds: 60 }, default: { limit: 10_000, windowSeconds: 60 } },
  }

  let migrated = false
  async function core(perCore: (c: Config) => Config = (c) => c, opts: CoreOptions = {}): Promise<StartedCore> {
    const database = await openDatabase({ url: opts.databaseUrl?.(db.url) ?? db.url, dataDir: '/tmp', poolMax: 5 })
    if (!migrated) {
      await migrateDatabase(database)
      migrated = true
    }
    const coreConfig = perCore(config)
    const deps = await createDeps(coreConfig, database, createRedis(redisOf(coreConfig), 'test'), {
      clock: opts.clock,
      defaultMetrics: opts.defaultMetrics,
    })
    const services = createServices(deps)
    const background = [
      ...(opts.consumeEvents ? [startVideoEventConsumer(deps, services.videos)] : []),
      ...(opts.background ? [startWebhookDeliveries(deps, services.webhooks), startBillingWorkers(deps, services.billing)] : []),
      ...(opts.autopilot ? [startAutopilotWorker(deps, services.autopilot)] : []),
      ...(opts.analytics ? [await startAnalyticsWorker(deps, services.analytics)] : []),
      ...(opts.outbox ? [deps.outbox.startRelay()] : []),
    ]
    const app = createApp(deps, services)
    const server = opts.listen ? app.listen({ port: opts.port ?? 0, hostname: '127.0.0.1' }).server! : undefined
    const running: Running = { deps, database, services, background, server }
    queuePrefixes.add(coreConfig.queuePrefix)
    cores.push(running)
    return {
      app,
      deps,
      services,
      url: server ? `http://127.0.0.1:${server.port}` : undefined,
      async close() {
        const at = cores.indexOf(running)
        if (at < 0) return
        cores.splice(at, 1)
        await stop(running)
      },
      request: (path, init = {}) => {
        const headers = new Headers(init.headers)
        if (init.json !== undefined) headers.set('content-type', 'application/json')
        if (init.token) headers.set('authorization', `Bearer ${init.token}`)
        headers.set('x-forwarded-for', init.ip ?? '203.0.113.7')
        return app.handle(
          new Request(`http://localhost${path}`, {
            ...init,
            headers,
            body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
          }),
        )
      },
    }
  }

  afterAll(async () => {
    for (const c of cores) await stop(c)
    const cleaner = createRedis(REDIS_URL, 'test-cleanup')
    await deleteRedisPrefix(cleaner, prefix)
    // Each core's own namespace: the configured one, or its installation's when QUEUE_PREFIX was left unset.
    queuePrefixes.add(config.queuePrefix)
    for (const p of queuePrefixes) if (p !== QUEUE_PREFIX) await deleteRedisPrefix(cleaner, `${p}:`)
    cleaner.disconnect()
    rmSync(storageDir, { recursive: true, force: true })
    await db.drop()
  })
  /**
   * A real render worker process (`bun render/src/main.ts`) on this environment's queues and storage,
   * quick to encode: libx264 at superfast, a quarter of the size. `extra` adds to or overrides its
   * environment (TEST_WORKER_LOG sets its log level). The caller stops it.
   */
  function renderWorker<Out extends 'inherit' | 'ignore' | 'pipe' = 'inherit'>(extra: Record<string, string> = {}, stdout?: Out) {
    return Bun.spawn(['bun', resolve(import.meta.dir, '../../render/src/main.ts')], {
      env: {
        ...process.env,
        REDIS_URL,
        QUEUE_PREFIX: config.queuePrefix,
        STORAGE_DIR: storageDir,
        LOG_LEVEL: process.env.TEST_WORKER_LOG ?? 'fatal',
        VIDEO_ENCODER: 'libx264',
        X264_PRESET: 'superfast',
        VIDEO_SCALE: '0.25',
        ...extra,
      },
      stdout: stdout ?? ('inherit' as Out),
      stderr: 'inherit',
    })
  }

  return { core, renderWorker, config, db, prefix, storageDir }
}

/**
 * The usual start of a test file: its environment, one core, and the account that signed up first,
 * which the installation makes its admin (accounts a test signs up after it are members).
 */
export async function testCore(opts: CoreOptions = {}) {
  const env = await testEnv()
  const core = await env.core((c) => c, opts)
  const admin = await signUp(core)
  return { env, core, admin }
}

/** A core's Redis: the test server, or the Sentinel set or Cluster its configuration names. */
const redisOf = (c: Config) => (c.redis.mode === 'standalone' ? (c.redisUrl ?? REDIS_URL) : c.redis)

let counter = 0
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${++counter}.${randomId()}@example.com`

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T
}

export async function signUp(core: Core, opts: { email?: string; password?: string } = {}) {
  const email = opts.email ?? uniqueEmail()
  const password = opts.password ?? PASSWORD
  const reg = await core.request('/v1/auth/register', { method: 'POST', json: { email, password } })
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${await reg.text()}`)
  const user = await json(reg)
  return { email, password, user, ...(await signIn(core, { email, password })) }
}

/**
 * A new account made admin in the database (it is not the installation's first) and signed in again,
 * so that its access token carries the role.
 */
export async function signUpAdmin(core: Core) {
  const admin = await signUp(core)
  await core.deps.database.db.execute(`update users set role = 'admin' where id = '${admin.user.id}'` as never)
  return { ...admin, ...(await signIn(core, admin)) }
}

/** Signs an account in again: fresh tokens carrying its role as it is now. */
export async function signIn(core: Core, account: { email: string; password: string }) {
  const login = await core.request('/v1/auth/login', { method: 'POST', json: { email: account.email, password: account.password } })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  const tokens = await json(login)
  return { accessToken: tokens.accessToken as string, refreshToken: tokens.refreshToken as string }
}

type CompletedReport = VideoEventOf<'video.completed'>

/**
 * Records a video completed as a render worker reports it, with no worker running: its MP4 and
 * thumbnail, and whatever else of the report `report` sets (title, length, artifacts).
 */
export function recordVideoCompleted(
  core: Core,
  videoId: string,
  report: Pick<CompletedReport, 'video' | 'thumbnail'> & Partial<CompletedReport>,
) {
  return core.services.videos.recordEvent(
    {
      type: 'video.completed',
      videoId,
      at: new Date().toISOString(),
      title: 'Done',
      description: '',
      tags: [],
      durationS: 1,
      artifacts: [],
      stageDurationsMs: {},
      ...report,
    },
    `test:${videoId}:completed`,
  )
}

/** A TOTP code for a secret, `offset` steps away from now. */
export function totp(secret: string, offset = 0): string {
  const t = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' })
  return t.generate({ timestamp: Date.now() + offset * 30_000 })
}

export function decodeJwt(token: string) {
  const [h, p] = token.split('.')
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) }
}
