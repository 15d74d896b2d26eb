// The core a publish worker talks to goes away in the middle of an upload (closed as a dying process
// is: its connections cut, its pools and consumers stopped) and a new core comes up on the same port
// and database. The worker's calls to the core fail meanwhile; its job's retry resumes the upload
// from what the database and YouTube hold: exactly one YouTube video, recorded by the new core.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { PIPELINE } from '@ytempire/contract'
import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { waitUntil } from '@ytempire/test-support'
import { FakeGoogle, type UploadEvent } from '@ytempire/test-support/google'
import { Queue } from 'bullmq'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { json, type StartedCore, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo, publishWorkerEnv } from './youtube-helpers'

const CHUNK = 256 * 1024
const google = await new FakeGoogle().start()
const env = await testEnv((c) => ({ ...c, youtube: parseYouTubeConfig(google.env(), c.publicUrl) }))
let core: StartedCore
let coreUrl: string
let connection: RedisConnection
let queue: Queue
let worker: ReturnType<typeof Bun.spawn>

beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true, listen: true })
  coreUrl = core.url!
  connection = duplicateRedis(core.deps.redis, 'test-publish-queue', { maxRetriesPerRequest: null })
  queue = new Queue(PIPELINE.spec.publish.queue, { connection, prefix: env.config.queuePrefix })
  worker = env.renderWorker(publishWorkerEnv(coreUrl, google), 'ignore')
})
afterAll(async () => {
  if (worker.exitCode === null) worker.kill('SIGKILL')
  await worker.exited
  await queue.close()
  connection.disconnect()
  await google.close()
})

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
/** What the worker's PUTs of bytes started at (status queries left out). */
const chunkStarts = (from: number) =>
  google
    .calls('PUT', '/upload/youtube/v3/videos')
    .slice(from)
    .map((r) => String(r.headers['content-range']))
    .filter((r) => !r.includes('*'))
    .map((r) => Number(/bytes (\d+)-/.exec(r)![1]))

describe('the core goes away mid-upload and a new one comes back on the same port', () => {
  const cases = [
    {
      point: 'as the session opens (the worker cannot store it: that session stays empty)',
      when: (e: UploadEvent) => e.kind === 'open',
      sessions: 2,
      videoBeforeRestart: false,
    },
    {
      point: 'mid-file (the worker cannot record that the last chunk goes out)',
      when: (e: UploadEvent) => e.kind === 'chunk' && !e.final && (e.end ?? 0) >= 2 * CHUNK,
      sessions: 1,
      videoBeforeRestart: false,
    },
    {
      point: 'after the last byte (the worker cannot record the video YouTube made)',
      when: (e: UploadEvent) => e.kind === 'chunk' && !!e.final,
      sessions: 1,
      videoBeforeRestart: true,
    },
  ]
  for (const { point, when, sessions, videoBeforeRestart } of cases)
    test(point, async () => {
      const s = await signUp(core)
      const ch = await json(
        await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Restart', niche: 'sea life' } }),
      )
      const account = await connectChannel(core, google, s.accessToken, ch.id)
      const { id, video } = await finishedVideo(core, s.accessToken, ch.id, { bytes: 5 * CHUNK + 1000 })
      const videosBefore = google.videosCreated
      const sessionsBefore = google.sessionsOpened
      const putsBefore = google.calls('PUT', '/upload/youtube/v3/videos').length
      let committed = -1
      let gone: Promise<void> | undefined
      google.onUpload = async (e) => {
        if (!when(e)) return undefined
        google.onUpload = undefined
        committed = e.end ?? -1
        // YouTube answers this chunk only once the core is down: the worker's next call to it is refused.
        gone = core.close()
        await gone
        return undefined
      }
      expect((await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })).status).toBe(202)

      // The worker met the closed port: its attempt failed (retryable) and the job waits out its backoff.
      const failed = await waitUntil(
        async () => {
          const job = await queue.getJob(`${id}.publish.1`)
          return job && job.attemptsMade === 1 && (await job.getState()) === 'delayed' && job
        },
        { what: 'the publish job to fail its first attempt', timeoutMs: 60_000, intervalMs: 100 },
      )
      await gone
      expect(failed.failedReason).toContain('the core could not be reached')
      expect(google.videosCreated).toBe(videosBefore + (videoBeforeRestart ? 1 : 0))

      core = await env.core((c) => c, { consumeEvents: true, listen: true, port: Number(new URL(coreUrl).port) })
      expect(core.url).toBe(coreUrl)
      // The retry now rather than after its 30 s backoff.
      await failed.promote()
      const done = await waitUntil(
        async () => {
          const v = await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))
          return ['published', 'failed'].includes(v.youtube?.status) && v
        },
        { what: 'the publication to end', timeoutMs: 90_000, intervalMs: 100 },
      )
      expect(done.youtube).toMatchObject({ status: 'published', thumbnail: 'set', message: null })
      expect(google.videosCreated).toBe(videosBefore + 1)
      expect(google.sessionsOpened).toBe(sessionsBefore + sessions)
      const uploaded = google.videos.get(done.youtube.youtubeVideoId)!
      expect(uploaded.sha256).toBe(sha256(video))
      expect(uploaded.resource.snippet.channelId).toBe(account.channel!.id)
      const starts = chunkStarts(putsBefore)
      // One pass over the file: nothing sent again from byte 0, and after the restart only what YouTube lacked.
      expect(starts.filter((start) => start === 0).length).toBe(1)
      if (point.startsWith('mid-file')) expect(starts).toContain(committed + 1)
      if (videoBeforeRestart) expect(starts.at(-1)).toBeLessThan(committed)
      expect(new Set(starts).size).toBe(starts.length)
    }, 180_000)
})
