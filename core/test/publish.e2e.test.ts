// Publishing end to end: the core, real render worker processes (BullMQ, ffmpeg, the resumable
// uploader, googleapis for thumbnails.set) and a local server speaking Google's wire format.
// Exactly one YouTube video per ytempire video, whatever is killed, cut or refused on the way.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import type { RedisConnection } from '@ytempire/contract/redis'
import { FakeGoogle } from '@ytempire/test-support/google'
import { and, eq } from 'drizzle-orm'
import { videoEvents } from '../src/db/schema'
import { movableClock, nextZonedMidnight } from '../src/infra/clock'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { QUOTA_TIME_ZONE } from '../src/modules/youtube/quota'
import { type Core, json, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo, publishWorkerEnv, SCRIPT, youtubeAccount } from './youtube-helpers'

const google = await new FakeGoogle().start()
const clock = movableClock()
const env = await testEnv((c) => ({ ...c, youtube: parseYouTubeConfig(google.env(), c.publicUrl) }))
let core: Core
const workers: ReturnType<typeof Bun.spawn>[] = []

beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true, listen: true, clock })
})
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && !w.killed) w.kill('SIGKILL')
  await Promise.all(workers.map((w) => w.exited))
  await google.close()
})

function startWorker() {
  // A killed worker's job is taken over quickly.
  const worker = env.renderWorker(publishWorkerEnv(core.url!, google), 'ignore')
  workers.push(worker)
  return worker
}

async function stopWorkers() {
  for (const w of workers) if (w.exitCode === null && !w.killed) w.kill('SIGTERM')
  await Promise.all(workers.map((w) => w.exited))
}

/** A new member with a square-video channel connected to a YouTube account on the local Google server. */
async function memberWithChannel(name: string, account = youtubeAccount()) {
  const s = await signUp(core)
  const ch = await json(
    await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name, niche: 'sea life', aspect: '1:1' } }),
  )
  await connectChannel(core, google, s.accessToken, ch.id, account)
  return { s, ch }
}

/** Polls the video until `done` holds (a minute at most), answering every state seen on the way. */
async function follow(id: string, token: string, done: (v: any) => boolean, timeoutMs = 90_000) {
  const seen: any[] = []
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await json(await core.request(`/v1/videos/${id}`, { token }))
    seen.push(v)
    if (done(v)) return { video: v, seen }
    if (Date.now() > deadline)
      throw new Error(`timed out; last state ${JSON.stringify({ status: v.status, error: v.error, youtube: v.youtube })}`)
    await Bun.sleep(150)
  }
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const published = (v: any) => v.youtube?.status === 'published' || v.youtube?.status === 'failed' || v.status === 'failed'

/** Every value of every key under `prefix`, whatever its type. */
async function redisDump(redis: RedisConnection, prefix: string): Promise<{ keys: number; text: string }> {
  let cursor = '0'
  let text = ''
  let keys = 0
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    for (const key of batch) {
      keys++
      const type = await redis.type(key)
      let value: unknown
      if (type === 'string') value = await redis.get(key)
      else if (type === 'hash') value = await redis.hgetall(key)
      else if (type === 'list') value = await redis.lrange(key, 0, -1)
      else if (type === 'set') value = await redis.smembers(key)
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES')
      else if (type === 'stream') value = await redis.xrange(key, '-', '+')
      text += `${key}\n${JSON.stringify(value)}\n`
    }
  } while (cursor !== '0')
  return { keys, text }
}

describe('publish asked for on creation', () => {
  test('script -> voice -> visuals -> render -> thumbnail -> publish: one video with the right metadata and thumbnail, and no Google credential in Redis', async () => {
    const worker = startWorker()
    const { s, ch } = await memberWithChannel('Octo')
    const before = google.videosCreated
    const created = await core.request(`/v1/channels/${ch.id}/videos`, {
      method: 'POST',
      token: s.accessToken,
      json: { script: SCRIPT, publish: { privacy: 'unlisted' } },
    })
    expect(created.status).toBe(202)
    const asked = await json(created)
    expect(asked.youtube).toMatchObject({ status: 'queued', privacy: 'unlisted' })
    const { video } = await follow(asked.id, s.accessToken, (v) => v.status !== 'queued' && v.status !== 'running')
    expect(video.error).toBeNull()
    expect(video.status).toBe('completed')
    expect(video.progress).toBe(100)
    expect(video.stages.publish.status).toBe('completed')
    // The video completed after its publish stage, as the workers observed it (the core may record reports out of order).
    const events = await core.deps.database.db.select().from(videoEvents).where(eq(videoEvents.videoId, video.id))
    const when = (type: string, stage: string | null) => events.find((e) => e.type === type && e.stage === stage)!.at.getTime()
    expect(when('stage.completed', 'publish')).toBeGreaterThanOrEqual(when('stage.completed', 'thumbnail'))
    expect(when('video.completed', null)).toBeGreaterThanOrEqual(when('stage.completed', 'publish'))
    expect(video.youtube).toMatchObject({ status: 'published', privacy: 'unlisted', thumbnail: 'set', warnings: [] })
    expect(google.videosCreated).toBe(before + 1)

    const uploaded = google.videos.get(video.youtube.youtubeVideoId)!
    const mp4 = new Uint8Array(await (await core.request(`/v1/videos/${video.id}/file`, { token: s.accessToken })).arrayBuffer())
    expect(uploaded.sha256).toBe(sha256(mp4))
    expect(uploaded.resource.snippet).toMatchObject({
      title: 'Five Odd Facts About Octopuses',
      description: SCRIPT.description,
      tags: SCRIPT.tags,
      categoryId: '22',
      defaultLanguage: 'en',
      defaultAudioLanguage: 'en',
    })
    expect(uploaded.resource.status).toMatchObject({
      privacyStatus: 'unlisted',
      selfDeclaredMadeForKids: false,
      containsSyntheticMedia: true,
    })
    const thumb = new Uint8Array(await (await core.request(`/v1/videos/${video.id}/thumbnail`, { token: s.accessToken })).arrayBuffer())
    expect(uploaded.thumbnail?.contentType).toBe('image/jpeg')
    expect(sha256(uploaded.thumbnail!.bytes)).toBe(sha256(thumb))

    // The events stream shows it too (and ends: nothing more will happen to the video).
    const stream = await (await core.request(`/v1/videos/${video.id}/events`, { token: s.accessToken })).text()
    expect(stream).toContain(`"youtubeVideoId":"${video.youtube.youtubeVideoId}"`)

    // Scan every key and value the core and the workers keep in Redis.
    const secrets = [...google.issued, google.clientSecret]
    const queue = await redisDump(core.deps.redis, `${env.config.queuePrefix}:`)
    const app = await redisDump(core.deps.redis, env.prefix)
    expect(queue.text).toContain('ypg_') // the scan reads job payloads: the grant is there, and only the grant
    for (const secret of secrets) {
      expect(queue.text).not.toContain(secret)
      expect(app.text).not.toContain(secret)
    }
    worker.kill('SIGTERM')
    await worker.exited
  }, 180_000)
})

describe('publish asked for after the video finished', () => {
  test('POST /v1/videos/:id/publish uploads the stored files of a finished video once', async () => {
    const worker = startWorker()
    const { s, ch } = await memberWithChannel('Later')
    const asked = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT } }),
    )
    const { video: finished } = await follow(asked.id, s.accessToken, (v) => v.status !== 'queued' && v.status !== 'running')
    expect(finished.status).toBe('completed')
    expect(finished.youtube).toBeNull()
    const before = google.videosCreated
    const publish = await core.request(`/v1/videos/${asked.id}/publish`, {
      method: 'POST',
      token: s.accessToken,
      json: { privacy: 'private' },
    })
    expect(publish.status).toBe(202)
    const { video } = await follow(asked.id, s.accessToken, (v) => v.youtube?.status === 'published' || v.youtube?.status === 'failed')
    expect(video.youtube).toMatchObject({ status: 'published', privacy: 'private' })
    expect(google.videosCreated).toBe(before + 1)
    const uploaded = google.videos.get(video.youtube.youtubeVideoId)!
    const mp4 = new Uint8Array(await (await core.request(`/v1/videos/${video.id}/file`, { token: s.accessToken })).arrayBuffer())
    expect(uploaded.sha256).toBe(sha256(mp4))
    expect(uploaded.resource.snippet?.title).toBe('Five Odd Facts About Octopuses')
    worker.kill('SIGTERM')
    await worker.exited
  }, 180_000)
})

describe('a worker SIGKILLed during the upload still ends with exactly one YouTube video', () => {
  const cases = [
    { point: 'before the session', when: (e: { kind: string }) => e.kind === 'open' },
    {
      point: 'mid-file',
      when: (e: { kind: string; final?: boolean; end?: number }) => e.kind === 'chunk' && !e.final && (e.end ?? 0) >= 2 * 256 * 1024,
    },
    { point: 'after the last byte, before recording', when: (e: { kind: string; final?: boolean }) => e.kind === 'chunk' && !!e.final },
  ]
  for (const { point, when } of cases)
    test(point, async () => {
      await stopWorkers()
      const { s, ch } = await memberWithChannel('Killed')
      const { id, video } = await finishedVideo(core, s.accessToken, ch.id, { bytes: 1_300_000 })
      const before = google.videosCreated
      const victim = startWorker()
      let committed = -1
      google.onUpload = (e) => {
        if (!when(e)) return undefined
        google.onUpload = undefined
        committed = e.end ?? -1
        victim.kill('SIGKILL')
        return 'drop'
      }
      const putsBefore = google.calls('PUT', '/upload/youtube/v3/videos').length
      expect(
        (await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: { privacy: 'private' } })).status,
      ).toBe(202)
      await victim.exited
      expect(victim.signalCode).toBe('SIGKILL')

      startWorker()
      const { video: done } = await follow(id, s.accessToken, published)
      expect(done.youtube.status).toBe('published')
      expect(google.videosCreated).toBe(before + 1)
      const yt = google.videos.get(done.youtube.youtubeVideoId)!
      expect(yt.sha256).toBe(sha256(video))
      if (point === 'mid-file') {
        // The survivor asked the session and went on from the server's offset, not from byte 0.
        const resumedAt = google
          .calls('PUT', '/upload/youtube/v3/videos')
          .slice(putsBefore)
          .map((r) => String(r.headers['content-range']))
          .filter((r) => !r.includes('*'))
          .map((r) => Number(/bytes (\d+)-/.exec(r)![1]))
        expect(resumedAt).toContain(committed + 1)
        expect(resumedAt.filter((start) => start === 0).length).toBe(1)
      }
    }, 120_000)
})

describe('quota', () => {
  test('quotaExceeded delays the job until midnight Pacific (not a failure), and it resumes after the reset', async () => {
    await stopWorkers()
    const { s, ch } = await memberWithChannel('Quota', youtubeAccount({ longUploadsStatus: 'eligible' }))
    const { id } = await finishedVideo(core, s.accessToken, ch.id)
    // Four seconds before midnight in Los Angeles, by the core's clock.
    const midnight = nextZonedMidnight(Date.now(), QUOTA_TIME_ZONE)
    clock.set(midnight - 4_000)
    google.failNext('videos.insert', 'quotaExceeded')
    const before = google.videosCreated
    startWorker()
    await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })
    const { video, seen } = await follow(id, s.accessToken, published)
    clock.set(Date.now())
    const waiting = seen.find((v) => v.youtube?.status === 'waiting')
    expect(waiting?.youtube.message).toBe(`waiting for quota until ${new Date(midnight).toISOString()}`)
    expect(video.youtube.status).toBe('published')
    expect(google.videosCreated).toBe(before + 1)
    // Not a failure: no failed attempt was reported for the stage.
    const failures = await core.deps.database.db
      .select()
      .from(videoEvents)
      .where(and(eq(videoEvents.videoId, id), eq(videoEvents.type, 'stage.failed')))
    expect(failures).toEqual([])
    // A channel that may not use custom thumbnails: a warning, not a failure.
    expect(video.youtube.thumbnail).toBe('skipped')
    expect(video.youtube.warnings[0]).toContain('custom thumbnails')
  }, 120_000)
})
