// YouTube's refusals met by a real render worker process (the resumable uploader, googleapis for
// thumbnails.set) against the local Google server: uploadLimitExceeded when the session is opened,
// quotaExceeded when the thumbnail is set. Each is a wait (a delayed job), never a failure and never a
// second video. Time passes the way BullMQ measures it, by promoting the delayed job, with the core's
// clock moved to where that time would be.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { PIPELINE } from '@ytempire/contract'
import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { waitUntil } from '@ytempire/test-support'
import { FakeGoogle } from '@ytempire/test-support/google'
import { Queue } from 'bullmq'
import { and, eq } from 'drizzle-orm'
import { videoEvents } from '../src/db/schema'
import { movableClock, nextZonedMidnight } from '../src/infra/clock'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { QUOTA_TIME_ZONE } from '../src/modules/youtube/quota'
import { type Core, json, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo, publishWorkerEnv } from './youtube-helpers'

const google = await new FakeGoogle().start()
const clock = movableClock()
const env = await testEnv((c) => ({ ...c, youtube: parseYouTubeConfig(google.env(), c.publicUrl) }))
let core: Core
let connection: RedisConnection
let queue: Queue
const workers: ReturnType<typeof Bun.spawn>[] = []

beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true, listen: true, clock })
  connection = duplicateRedis(core.deps.redis, 'test-publish-queue', { maxRetriesPerRequest: null })
  queue = new Queue(PIPELINE.spec.publish.queue, { connection, prefix: env.config.queuePrefix })
  workers.push(env.renderWorker(publishWorkerEnv(core.url!, google), 'ignore'))
})
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL')
  await Promise.all(workers.map((w) => w.exited))
  await queue.close()
  connection.disconnect()
  await google.close()
})

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const video = async (id: string, token: string) => json(await core.request(`/v1/videos/${id}`, { token }))
/** The video once its publication is `status`, or has ended otherwise (a minute and a half at most). */
async function publicationIs(id: string, token: string, status: 'waiting' | 'published') {
  const v = await waitUntil(
    async () => {
      const v = await video(id, token)
      return [status, 'published', 'failed'].includes(v.youtube?.status) && v
    },
    { what: `the publication of ${id} to be ${status}`, timeoutMs: 90_000, intervalMs: 100 },
  )
  expect({ status: v.youtube.status, message: v.youtube.message }).toMatchObject({ status })
  return v
}
/** The publish job once the worker has handed it back delayed, `runs` times started in all. */
const delayedJob = (id: string, runs = 1) =>
  waitUntil(
    async () => {
      const job = await queue.getJob(`${id}.publish.1`)
      return job && job.attemptsStarted >= runs && (await job.getState()) === 'delayed' && job
    },
    { what: `the publish job of ${id} to be delayed (run ${runs})`, timeoutMs: 60_000, intervalMs: 100 },
  )
const failures = (id: string) =>
  core.deps.database.db
    .select()
    .from(videoEvents)
    .where(and(eq(videoEvents.videoId, id), eq(videoEvents.type, 'stage.failed')))

async function connectedChannel(token: string, name: string) {
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token, json: { name, niche: 'sea life' } }))
  const account = await connectChannel(core, google, token, ch.id)
  return { ...ch, account }
}
const publish = (id: string, token: string) => core.request(`/v1/videos/${id}/publish`, { method: 'POST', token, json: {} })

describe('YouTube refuses, a real worker waits', () => {
  test('uploadLimitExceeded pauses that channel for 24 h: the job is delayed (no attempt spent, no video), the publication says why, another channel publishes meanwhile, and the upload goes on after the pause', async () => {
    const s = await signUp(core)
    const limited = await connectedChannel(s.accessToken, 'Limited')
    const free = await connectedChannel(s.accessToken, 'Free')
    const { id, video: bytes } = await finishedVideo(core, s.accessToken, limited.id)
    const other = await finishedVideo(core, s.accessToken, free.id)
    const videosBefore = google.videosCreated
    const sessionsBefore = google.sessionsOpened
    const opensBefore = google.calls('POST', '/upload/youtube/v3/videos').length
    google.failNext('videos.insert', 'uploadLimitExceeded')
    const askedAt = clock()
    expect((await publish(id, s.accessToken)).status).toBe(202)

    const waiting = await publicationIs(id, s.accessToken, 'waiting')
    expect(waiting.youtube.message).toContain('upload limit')
    const until = Date.parse(waiting.youtube.waitingUntil)
    expect(until).toBeGreaterThanOrEqual(askedAt + 24 * 3600_000)
    expect(until).toBeLessThanOrEqual(clock() + 24 * 3600_000)
    const channel = await json(await core.request(`/v1/channels/${limited.id}/youtube`, { token: s.accessToken }))
    expect(channel.uploadsPausedUntil).toBe(waiting.youtube.waitingUntil)
    // Delayed until the pause ends, with every attempt left: a wait, not a failure.
    const job = await delayedJob(id)
    expect(job.attemptsMade).toBe(0)
    expect(job.delay).toBeGreaterThan(until - clock() - 60_000)
    expect(await failures(id)).toEqual([])
    // YouTube was asked once, refused, and holds nothing for this video.
    expect(google.calls('POST', '/upload/youtube/v3/videos').length).toBe(opensBefore + 1)
    expect(google.sessionsOpened).toBe(sessionsBefore)
    expect(google.videosCreated).toBe(videosBefore)

    // The pause is the channel's: another channel of the same account publishes while it lasts.
    expect((await publish(other.id, s.accessToken)).status).toBe(202)
    const otherDone = await publicationIs(other.id, s.accessToken, 'published')
    expect(google.videos.get(otherDone.youtube.youtubeVideoId)!.resource.snippet.channelId).toBe(free.account.channel!.id)
    expect(google.videosCreated).toBe(videosBefore + 1)

    // Run early (a worker that picks it up before its time), the job waits again and opens no session.
    await job.promote()
    await delayedJob(id, job.attemptsStarted + 1)
    expect(google.calls('POST', '/upload/youtube/v3/videos').length).toBe(opensBefore + 2)
    expect((await video(id, s.accessToken)).youtube.status).toBe('waiting')

    // A day later the channel may upload again: one video, the right bytes.
    try {
      clock.set(until + 1000)
      await (await queue.getJob(`${id}.publish.1`))!.promote()
      const done = await publicationIs(id, s.accessToken, 'published')
      expect(done.youtube).toMatchObject({ thumbnail: 'set', waitingUntil: null })
      expect(google.videosCreated).toBe(videosBefore + 2)
      const uploaded = google.videos.get(done.youtube.youtubeVideoId)!
      expect(uploaded.sha256).toBe(sha256(bytes))
      expect(uploaded.resource.snippet.channelId).toBe(limited.account.channel!.id)
      expect(await failures(id)).toEqual([])
    } finally {
      clock.set(Date.now())
    }
  }, 180_000)

  test('quotaExceeded on thumbnails.set keeps the one uploaded video, delays the job to midnight Pacific, and sets the thumbnail on that video after the reset', async () => {
    const s = await signUp(core)
    const ch = await connectedChannel(s.accessToken, 'Thumbs')
    const { id, video: bytes } = await finishedVideo(core, s.accessToken, ch.id)
    const videosBefore = google.videosCreated
    const thumbCallsBefore = google.calls('POST', '/upload/youtube/v3/thumbnails/set').length
    google.failNext('thumbnails.set', 'quotaExceeded')
    const reset = nextZonedMidnight(clock(), QUOTA_TIME_ZONE)
    expect((await publish(id, s.accessToken)).status).toBe(202)

    const waiting = await publicationIs(id, s.accessToken, 'waiting')
    expect(waiting.youtube.message).toBe(`waiting for quota until ${new Date(reset).toISOString()}`)
    // The video is on YouTube and recorded; only its thumbnail waits.
    const youtubeVideoId: string = waiting.youtube.youtubeVideoId
    expect(youtubeVideoId).toBeString()
    expect(google.videosCreated).toBe(videosBefore + 1)
    const uploaded = google.videos.get(youtubeVideoId)!
    expect(uploaded.sha256).toBe(sha256(bytes))
    expect(uploaded.thumbnail).toBeUndefined()
    const job = await delayedJob(id)
    expect(job.attemptsMade).toBe(0)
    expect(await failures(id)).toEqual([])
    const quota = await json(await core.request('/v1/youtube/quota', { token: s.accessToken }))
    expect(quota.buckets.find((b: any) => b.bucket === 'default')).toMatchObject({ spent: true, remaining: 0 })

    try {
      clock.set(reset + 1000)
      await job.promote()
      const done = await publicationIs(id, s.accessToken, 'published')
      expect(done.youtube).toMatchObject({ youtubeVideoId, thumbnail: 'set', warnings: [] })
      expect(google.videosCreated).toBe(videosBefore + 1)
      expect(google.calls('POST', '/upload/youtube/v3/thumbnails/set').length).toBe(thumbCallsBefore + 2)
      expect(uploaded.thumbnail?.contentType).toBe('image/jpeg')
      const thumb = await (await core.request(`/v1/videos/${id}/thumbnail`, { token: s.accessToken })).arrayBuffer()
      expect(sha256(uploaded.thumbnail!.bytes)).toBe(sha256(new Uint8Array(thumb)))
      expect(await failures(id)).toEqual([])
    } finally {
      clock.set(Date.now())
    }
  }, 180_000)
})
