// The Sentinel-managed Redis primary dies in the middle of a pipeline: a core (its API, outbox relay,
// report consumer and sweeper) and a real render worker process, both on Sentinel, with videos being
// voiced, rendered and queued. Every video must end: completed, or failed with a reason a person can
// read; none left queued or running.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TERMINAL_VIDEO_STATUSES } from '@ytempire/contract'
import { waitUntil } from '@ytempire/test-support'
import { loadConfig } from '../../core/src/config'
import { portAnswers } from '../../core/src/infra/local-redis'
import { type Core, json, signUp, testEnv } from '../../core/test/harness'
import { redisServer, type SentinelSet, startSentinelSet } from './sentinel-set'

if (!redisServer) console.warn('[ops] pipeline failover test skipped: redis-server is not installed (apt-get install redis-server)')

const env = await testEnv()
let set: SentinelSet | undefined
let core: Core
let worker: ReturnType<typeof Bun.spawn> | undefined
let sweeper: { close(): Promise<void> } | undefined

beforeAll(async () => {
  if (!redisServer) return
  // As production runs Redis: append-only, so what the replica was sent survives its promotion.
  set = await startSentinelSet({ appendonly: true })
  const redis = loadConfig({ NODE_ENV: 'test', REDIS_SENTINELS: set.sentinelsEnv, REDIS_SENTINEL_NAME: set.name }).redis
  core = await env.core(
    (c) => ({
      ...c,
      redis,
      redisUrl: undefined,
      // Quicker than production's minute and ten: a video the failover left without a job is settled within the test.
      sweeper: { intervalMs: 1000, graceMs: 15_000 },
    }),
    { consumeEvents: true, outbox: true },
  )
  sweeper = core.services.sweeper.start()
  worker = env.renderWorker({
    REDIS_URL: '',
    REDIS_SENTINELS: set.sentinelsEnv,
    REDIS_SENTINEL_NAME: set.name,
    LOG_LEVEL: process.env.FAILOVER_LOG_LEVEL ?? 'fatal',
  })
}, 60_000)

// Registered after the harness's own: the core's connections close while Redis still answers.
afterAll(async () => {
  await sweeper?.close()
  worker?.kill('SIGTERM')
  await worker?.exited
})
afterAll(() => set?.stop())

const script = (n: number) => ({
  title: `Failover ${n}`,
  description: 'Two short scenes.',
  tags: [],
  scenes: [
    { narration: `Video ${n}: honey never spoils.`, keywords: ['honey'] },
    { narration: 'Bananas are berries.', keywords: ['banana'] },
  ],
})

describe.skipIf(!redisServer)('a Redis failover mid-pipeline', () => {
  test('the primary dies while videos render: every video completes or fails with a clear reason, none is lost', async () => {
    const s = await signUp(core)
    const ch = await json(
      await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Failover', niche: 'x', aspect: '16:9' } }),
    )
    const ids: string[] = []
    for (let n = 1; n <= 3; n++) {
      const res = await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: script(n) } })
      expect(res.status).toBe(202)
      ids.push((await json(res)).id)
    }
    const view = (id: string) => core.request(`/v1/videos/${id}`, { token: s.accessToken }).then((r) => json(r))
    // Mid-pipeline: the first video is rendering (ffmpeg running; or just past it), the others behind it.
    await waitUntil(async () => ['running', 'completed'].includes((await view(ids[0]!)).stages.render?.status), {
      what: 'the first video to be under way',
      timeoutMs: 60_000,
      intervalMs: 50,
    })
    const before = await Promise.all(ids.map(view))

    const killedAt = performance.now()
    set!.killPrimary()
    await waitUntil(async () => !(await portAnswers('127.0.0.1', set!.ports.primary)), {
      what: 'the primary to go away',
      timeoutMs: 30_000,
    })
    await waitUntil(async () => (await set!.primaryPort()) === set!.ports.replica, { what: 'a new primary', timeoutMs: 30_000 })
    const failoverS = (performance.now() - killedAt) / 1000

    const after = await waitUntil(
      async () => {
        const vs = await Promise.all(ids.map(view))
        return vs.every((v) => TERMINAL_VIDEO_STATUSES.includes(v.status)) && vs
      },
      { what: 'every video to end', timeoutMs: 120_000, intervalMs: 250 },
    )
    const endedS = (performance.now() - killedAt) / 1000
    for (const v of after) {
      if (v.status === 'completed') {
        expect(v.progress).toBe(100)
        expect(v.links.file).not.toBeNull()
        const file = await core.request(v.links.file, { token: s.accessToken })
        expect(file.status).toBe(200)
        await file.body?.cancel()
      } else {
        // A failure must say what happened, in words, not a stack or an address.
        expect(v.status).toBe('failed')
        expect(String(v.error)).toMatch(/\w{4,}/)
      }
    }
    console.log(
      `[failover] primary killed with the videos at ${before.map((v) => `${v.status}/${v.stage ?? '-'}`).join(', ')}; ` +
        `new primary after ${failoverS.toFixed(1)} s; all ended ${endedS.toFixed(1)} s after the kill: ` +
        after.map((v) => (v.status === 'completed' ? 'completed' : `failed (${v.error})`)).join(', '),
    )
  }, 200_000)
})
