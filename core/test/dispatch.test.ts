// Durable dispatch and what follows a finished video: the video row and the work after it are written
// in one transaction, done after the commit, and done again until done (the outbox); a replayed
// request dispatches what its first try could not; the sweeper settles every video whose job is gone.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { QUEUES } from '@ytempire/contract'
import { createPipelineClient, type PipelineClient } from '@ytempire/contract/queue'
import { type TcpProxy, tcpProxy, waitUntil } from '@ytempire/test-support'
import { UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import type { JobQueues } from '../src/infra/jobs'
import { createJobQueues } from '../src/infra/jobs'
import { type Core, json, REDIS_URL, signUp, testEnv } from './harness'

// Webhooks to the local receiver; the outbox retries fast; the sweeper's grace is 0 (each test passes its own "now").
const env = await testEnv((c) => ({
  ...c,
  webhooks: { ...c.webhooks, allowPrivateTargets: true },
  outbox: { pollMs: 100, retry: { firstMs: 50, maxMs: 200 }, handlerTimeoutMs: 1000 },
  sweeper: { ...c.sweeper, graceMs: 0 },
}))
// A database of its own for the instance that runs no relay (no other relay may find its rows).
const loneEnv = await testEnv()
let core: Core
let proxy: TcpProxy
/** The core's own clients, put back after each test that cut Redis for it. */
let realPipeline: PipelineClient
let realJobs: JobQueues

const received: { type: string; data: { video: { id: string } } }[] = []
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    received.push(JSON.parse(await req.text()))
    return new Response(null, { status: 204 })
  },
})

beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true, background: true, outbox: true })
  const redis = new URL(REDIS_URL)
  proxy = tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) })
  realPipeline = core.deps.pipeline
  realJobs = core.deps.jobs
})
afterAll(() => {
  receiver.stop(true)
  proxy.close()
})

/** A connection to the real Redis through the proxy: failing fast while it is cut, as a producer should. */
const viaProxy = () =>
  new Redis({ host: proxy.host, port: proxy.port, maxRetriesPerRequest: null, enableOfflineQueue: false }).on('error', () => {})

const SCRIPT = { title: 'Outbox', description: '', tags: [], scenes: [{ narration: 'Queued.', keywords: ['q'] }] }

async function operator() {
  const s = await signUp(core)
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'O', niche: 'o' } }))
  const submit = (headers: Record<string, string> = {}) =>
    core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT }, headers })
  return { ...s, channel: ch, submit }
}

const entryJob = (videoId: string) => realPipeline.stageJob(videoId, 'script')
const videoOf = async (id: string, token: string) => json(await core.request(`/v1/videos/${id}`, { token }))

describe('durable dispatch', () => {
  test('with the queue unreachable the video is accepted, and dispatched once the queue is back', async () => {
    const op = await operator()
    proxy.cut()
    core.deps.pipeline = createPipelineClient(viaProxy(), env.config.queuePrefix)
    try {
      const res = await op.submit()
      expect(res.status).toBe(202)
      const video = await json(res)
      expect(video.status).toBe('queued')
      expect(await entryJob(video.id)).toBeUndefined()
      proxy.restore()
      const job = await waitUntil(() => entryJob(video.id), { what: 'the job queued by the outbox relay', timeoutMs: 10_000 })
      expect(job.data).toMatchObject({ videoId: video.id, userId: op.user.id, script: SCRIPT })
    } finally {
      proxy.restore()
      await core.deps.pipeline.close()
      core.deps.pipeline = realPipeline
    }
  })

  test('a replay (same Idempotency-Key) of a request whose dispatch failed dispatches it', async () => {
    // An instance without the relay: only the replay itself can dispatch.
    const lone = await loneEnv.core()
    const s = await signUp(lone)
    const ch = await json(await lone.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'R', niche: 'r' } }))
    const submit = () =>
      lone.request(`/v1/channels/${ch.id}/videos`, {
        method: 'POST',
        token: s.accessToken,
        json: { script: SCRIPT },
        headers: { 'idempotency-key': `replay-${ch.id}` },
      })
    const own = lone.deps.pipeline
    proxy.cut()
    lone.deps.pipeline = createPipelineClient(viaProxy(), loneEnv.config.queuePrefix)
    try {
      const first = await json(await submit())
      proxy.restore()
      await waitUntil(() => lone.deps.pipeline.isCancelled(first.id).then(() => true), { what: 'the queue reachable again' })
      expect(await own.stageJob(first.id, 'script')).toBeUndefined()
      const again = await submit()
      expect(again.status).toBe(200)
      expect((await json(again)).id).toBe(first.id)
      expect(await own.stageJob(first.id, 'script')).toBeDefined()
    } finally {
      proxy.restore()
      await lone.deps.pipeline.close()
      lone.deps.pipeline = own
    }
  })
})

describe('what follows a finished video', () => {
  test('its webhook is sent even when the queue failed right after the video completed', async () => {
    const op = await operator()
    await core.request('/v1/webhooks/endpoints', {
      method: 'POST',
      token: op.accessToken,
      json: { url: `http://127.0.0.1:${receiver.port}/done`, events: ['video.completed'] },
    })
    const video = await json(await op.submit())
    proxy.cut()
    core.deps.jobs = createJobQueues(viaProxy(), env.config.queuePrefix)
    try {
      const artifact = { key: `videos/${op.user.id}/${video.id}/video.mp4`, contentType: 'video/mp4', size: 10 }
      await core.services.videos.recordEvent(
        {
          type: 'video.completed',
          videoId: video.id,
          id: `${video.id}.r1.thumbnail.1.video.completed`,
          at: new Date().toISOString(),
          title: 'Outbox',
          description: '',
          tags: [],
          durationS: 1,
          video: artifact,
          thumbnail: artifact,
          artifacts: [],
          stageDurationsMs: {},
        },
        'q:1',
      )
      expect((await videoOf(video.id, op.accessToken)).status).toBe('completed')
      proxy.restore()
      const sent = await waitUntil(() => received.find((r) => r.data.video.id === video.id), {
        what: 'the video.completed webhook',
        timeoutMs: 15_000,
      })
      expect(sent.type).toBe('video.completed')
    } finally {
      proxy.restore()
      await core.deps.jobs.close()
      core.deps.jobs = realJobs
    }
    // Done once, however often the outbox tried.
    expect(received.filter((r) => r.data.video.id === video.id)).toHaveLength(1)
  }, 30_000)
})

describe('the sweeper', () => {
  const later = () => Date.now() + 60_000

  /** A new operator's video whose script stage a worker has reported started. */
  async function runningVideo() {
    const op = await operator()
    const video = await json(await op.submit())
    await core.services.videos.recordEvent(
      { type: 'stage.started', videoId: video.id, at: new Date().toISOString(), stage: 'script', attempt: 1, worker: 'w:1' },
      `s-${video.id}`,
    )
    return { op, video }
  }

  test('a running video whose jobs Redis lost is failed, saying why, and can be re-driven', async () => {
    const { op, video } = await runningVideo()
    await (await entryJob(video.id))!.remove()
    const swept = await core.services.sweeper.sweep(later())
    expect(swept.find((s) => s.videoId === video.id)).toMatchObject({ outcome: 'jobs-lost' })
    const v = await videoOf(video.id, op.accessToken)
    expect(v.status).toBe('failed')
    expect(v.error).toContain('lost from the queue')
    const dead = await realPipeline.deadLetters.list()
    expect(dead.find((d) => d.videoId === video.id)?.video).toMatchObject({ videoId: video.id, script: SCRIPT })
  })

  test('a stage that failed for good while its worker died before reporting it: the video is failed', async () => {
    const { op, video } = await runningVideo()
    // A worker that fails the job and dies in its failure handler: nothing reports it.
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
    const worker = new Worker(
      QUEUES.script,
      async () => {
        throw new UnrecoverableError('ffmpeg exited 1: /tmp/ytempire-render/worker-1/x.mp4: Invalid data')
      },
      { connection, prefix: env.config.queuePrefix },
    )
    await waitUntil(async () => (await (await entryJob(video.id))?.getState()) === 'failed', { what: 'the job failed' })
    await worker.close()
    connection.disconnect()
    const swept = await core.services.sweeper.sweep(later())
    expect(swept.find((s) => s.videoId === video.id)).toMatchObject({ outcome: 'failed-unreported' })
    const v = await videoOf(video.id, op.accessToken)
    expect(v.status).toBe('failed')
    expect(v.error).toContain('the script stage failed')
    // What the worker's error said stays with the operators, not in the owner's view.
    expect(v.error).not.toContain('/tmp/')
    const dead = await realPipeline.deadLetters.list()
    expect(dead.find((d) => d.videoId === video.id)?.reason).toContain('Invalid data')
  })

  test('a queued video with no job is dispatched again; a video with a live job is left alone', async () => {
    const op = await operator()
    const lost = await json(await op.submit())
    const alive = await json(await op.submit())
    await (await entryJob(lost.id))!.remove()
    const swept = await core.services.sweeper.sweep(later())
    expect(swept.find((s) => s.videoId === lost.id)).toMatchObject({ outcome: 'redispatched' })
    expect(swept.find((s) => s.videoId === alive.id)).toBeUndefined()
    expect(await entryJob(lost.id)).toBeDefined()
    expect((await videoOf(alive.id, op.accessToken)).status).toBe('queued')
  })
})
