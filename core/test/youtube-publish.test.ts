// The core's side of publishing: requests and their errors, the publish job's grant, and the calls a
// publish worker makes (begin, quota, limits, the session stored before the first byte, the video
// recorded once), with a movable clock for the Pacific-time quota day.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE, type VideoJob } from '@ytempire/contract'
import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { FakeGoogle } from '@ytempire/test-support/google'
import { Queue } from 'bullmq'
import { eq } from 'drizzle-orm'
import { videoPublications } from '../src/db/schema'
import { movableClock } from '../src/infra/clock'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { type Core, json, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo, SCRIPT } from './youtube-helpers'

const google = await new FakeGoogle().start()
const clock = movableClock()
const env = await testEnv((c) => {
  const youtube = parseYouTubeConfig({ ...google.env(), YOUTUBE_QUOTA_BUCKETS: 'upload=2' }, c.publicUrl)
  return { ...c, youtube }
})
let core: Core
let queue: Queue
let connection: RedisConnection
beforeAll(async () => {
  core = await env.core((c) => c, { clock })
  connection = duplicateRedis(core.deps.redis, 'test-publish-queue', { maxRetriesPerRequest: null })
  queue = new Queue(PIPELINE.spec.publish.queue, { connection, prefix: env.config.queuePrefix })
})
afterAll(async () => {
  await queue.close()
  connection.disconnect()
  await google.close()
})

async function channel(token: string, body: Record<string, unknown> = {}) {
  return json(await core.request('/v1/channels', { method: 'POST', token, json: { name: 'Octo', niche: 'sea life', ...body } }))
}

/** The video job of the publish stage run on its own for a finished video, as the core dispatched it. */
async function publishJob(videoId: string, round = 1): Promise<VideoJob & { publish: NonNullable<VideoJob['publish']> }> {
  const job = await queue.getJob(`${videoId}.publish.${round}`)
  expect(job).toBeDefined()
  expect(job!.data.standalone).toBe(true)
  return job!.data.video
}

const worker = (videoId: string, grant: string) => ({
  grant,
  call: (method: string, path: string, body?: unknown) =>
    core.request(`/internal/youtube/publications/${videoId}${path}`, {
      method,
      headers: { authorization: `Bearer ${grant}` },
      ...(body === undefined ? {} : { json: body }),
    }),
})

/** A new channel of the account's, connected to a new YouTube account on the local Google server. */
async function connectedChannel(token: string) {
  const ch = await channel(token)
  const account = await connectChannel(core, google, token, ch.id)
  return { ...ch, account }
}

/** Asks to publish a finished video; answers the publish worker of the job the core queued for it. */
async function askToPublish(token: string, videoId: string) {
  await core.request(`/v1/videos/${videoId}/publish`, { method: 'POST', token, json: {} })
  return worker(videoId, (await publishJob(videoId)).publish.grant)
}

/** A new member's finished video on a connected channel, asked to publish, and its publish worker. */
async function videoAskedToPublish() {
  const s = await signUp(core)
  const ch = await connectedChannel(s.accessToken)
  const { id } = await finishedVideo(core, s.accessToken, ch.id)
  return { s, ch, id, w: await askToPublish(s.accessToken, id) }
}

describe('asking to publish', () => {
  test('clear problem+json errors: unfinished video, not connected, publishAt in the past or not private', async () => {
    const s = await signUp(core)
    const ch = await channel(s.accessToken)
    const { id } = await finishedVideo(core, s.accessToken, ch.id)
    const notConnected = await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })
    expect(notConnected.status).toBe(409)
    expect(notConnected.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(notConnected)).type).toEndWith('/youtube-not-connected')
    const onCreate = await core.request(`/v1/channels/${ch.id}/videos`, {
      method: 'POST',
      token: s.accessToken,
      json: { script: SCRIPT, publish: {} },
    })
    expect(onCreate.status).toBe(409)
    expect((await json(onCreate)).errors[0].field).toBe('publish')

    await connectChannel(core, google, s.accessToken, ch.id)
    const running = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT } }),
    )
    const unfinished = await core.request(`/v1/videos/${running.id}/publish`, { method: 'POST', token: s.accessToken, json: {} })
    expect(unfinished.status).toBe(409)
    expect((await json(unfinished)).type).toEndWith('/video-not-finished')

    const past = await core.request(`/v1/videos/${id}/publish`, {
      method: 'POST',
      token: s.accessToken,
      json: { privacy: 'private', publishAt: new Date(clock() - 60_000).toISOString() },
    })
    expect(past.status).toBe(422)
    expect((await json(past)).errors).toEqual([{ field: 'publishAt', message: 'must be in the future (at least 2 minutes from now)' }])
    const publicScheduled = await core.request(`/v1/channels/${ch.id}/videos`, {
      method: 'POST',
      token: s.accessToken,
      json: { script: SCRIPT, publish: { privacy: 'public', publishAt: new Date(clock() + 86_400_000).toISOString() } },
    })
    expect(publicScheduled.status).toBe(422)
    const body = await json(publicScheduled)
    expect(body.errors[0].field).toBe('publish.privacy')
    expect(body.errors[0].message).toContain('private')

    const other = await signUp(core)
    expect((await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: other.accessToken, json: {} })).status).toBe(404)
  })

  test("the job carries a grant for that one video, never a Google credential; the worker's calls need it", async () => {
    const s = await signUp(core)
    const ch = await channel(s.accessToken, { categoryId: '28', language: 'de' })
    await connectChannel(core, google, s.accessToken, ch.id)
    const { id } = await finishedVideo(core, s.accessToken, ch.id)
    const res = await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: { privacy: 'unlisted' } })
    expect(res.status).toBe(202)
    expect((await json(res)).youtube).toMatchObject({ status: 'queued', privacy: 'unlisted', youtubeVideoId: null })
    const job = await publishJob(id)
    expect(job.publish.grant).toStartWith('ypg_')
    for (const secret of google.issued) expect(JSON.stringify(job)).not.toContain(secret)

    expect((await worker(id, 'ypg_forged').call('POST', '/begin')).status).toBe(401)
    const { id: otherVideo } = await finishedVideo(core, s.accessToken, ch.id)
    expect((await worker(otherVideo, job.publish.grant).call('POST', '/begin')).status).toBe(401)

    const begin = await json(await worker(id, job.publish.grant).call('POST', '/begin'))
    expect(begin.action).toBe('upload')
    expect(google.issued).toContain(begin.accessToken)
    expect(begin.settings).toEqual({
      privacy: 'unlisted',
      publishAt: null,
      categoryId: '28',
      madeForKids: false,
      containsSyntheticMedia: true,
      language: 'de',
    })
    expect(begin.session).toBeNull()
    expect((await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))).youtube.status).toBe('uploading')
  })

  test('the session is stored sealed before the first byte; the first one stored wins; the video is recorded once', async () => {
    const { s, ch, id, w } = await videoAskedToPublish()
    await w.call('POST', '/begin')
    const first = 'https://upload.example/session?upload_id=first-session-id'
    expect(await json(await w.call('PUT', '/session', { uri: first, size: 1000 }))).toEqual({ uri: first, size: 1000 })
    expect(await json(await w.call('PUT', '/session', { uri: 'https://upload.example/session?upload_id=second', size: 1000 }))).toEqual({
      uri: first,
      size: 1000,
    })
    const [row] = await core.deps.database.db.select().from(videoPublications).where(eq(videoPublications.videoId, id))
    expect(row!.sessionUriEnc).toStartWith('v1.')
    expect(row!.sessionUriEnc).not.toContain('first-session-id')
    expect((await json(await w.call('POST', '/begin'))).session).toEqual({ uri: first, size: 1000 })

    expect(await json(await w.call('POST', '/uploaded', { id: 'yt-video-1', privacyStatus: 'private' }))).toEqual({ recorded: true })
    expect(await json(await w.call('POST', '/uploaded', { id: 'yt-video-2', privacyStatus: 'private' }))).toEqual({ recorded: false })
    expect((await w.call('POST', '/thumbnail', { outcome: 'skipped', warning: 'no custom thumbnails' })).status).toBe(204)
    const video = await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))
    expect(video.youtube).toMatchObject({
      status: 'published',
      youtubeVideoId: 'yt-video-1',
      url: 'https://www.youtube.com/watch?v=yt-video-1',
      thumbnail: 'skipped',
      warnings: ['no custom thumbnails'],
    })
    expect(await json(await w.call('POST', '/begin'))).toEqual({ action: 'done', youtubeVideoId: 'yt-video-1' })
    const again = await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })
    expect(again.status).toBe(409)
    const listed = await json(await core.request(`/v1/videos?channelId=${ch.id}`, { token: s.accessToken }))
    expect(listed.items.find((v: any) => v.id === id).youtube.youtubeVideoId).toBe('yt-video-1')
  })

  test('an expired session is dropped only while its last chunk was never sent', async () => {
    const { s, id, w } = await videoAskedToPublish()
    await w.call('POST', '/begin')
    await w.call('PUT', '/session', { uri: 'https://upload.example/s?upload_id=a', size: 10 })
    expect((await w.call('DELETE', '/session')).status).toBe(204)
    await w.call('PUT', '/session', { uri: 'https://upload.example/s?upload_id=b', size: 10 })
    await w.call('POST', '/session/final')
    const refused = await w.call('DELETE', '/session')
    expect(refused.status).toBe(409)
    expect((await json(refused)).type).toEndWith('/youtube-outcome-unknown')
    const video = await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))
    expect(video.youtube.status).toBe('failed')
    expect(video.youtube.message).toContain('may exist')
    // Nor may the operator simply try again: that could make a second video.
    expect((await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })).status).toBe(409)
  })
})

describe('quota', () => {
  test('counted per Pacific day: a spent bucket answers "wait until midnight Pacific", DST included, then opens again', async () => {
    clock.set(Date.parse('2026-03-08T07:30:00Z')) // 23:30 on 7 March in Los Angeles (PST)
    const s = await signUp(core)
    const ch = await connectedChannel(s.accessToken)
    const vids = [
      await finishedVideo(core, s.accessToken, ch.id),
      await finishedVideo(core, s.accessToken, ch.id),
      await finishedVideo(core, s.accessToken, ch.id),
    ]
    const ws = []
    for (const v of vids) ws.push(await askToPublish(s.accessToken, v.id))
    expect(await json(await ws[0]!.call('POST', '/quota', { method: 'videos.insert' }))).toEqual({ granted: true })
    expect(await json(await ws[1]!.call('POST', '/quota', { method: 'videos.insert' }))).toEqual({ granted: true })
    const denied = await json(await ws[2]!.call('POST', '/quota', { method: 'videos.insert' }))
    expect(denied).toMatchObject({ granted: false, until: '2026-03-08T08:00:00.000Z', reason: 'quota' })
    expect(denied.retryAfterMs).toBeGreaterThan(29 * 60_000)
    const quota = await json(await core.request('/v1/youtube/quota', { token: s.accessToken }))
    expect(quota.day).toBe('2026-03-07')
    expect(quota.resetAt).toBe('2026-03-08T08:00:00.000Z')
    expect(quota.buckets.find((b: any) => b.bucket === 'upload')).toMatchObject({ limit: 2, used: 2, remaining: 0 })
    const waiting = await json(await core.request(`/v1/videos/${vids[2]!.id}`, { token: s.accessToken }))
    expect(waiting.youtube).toMatchObject({ status: 'waiting', waitingUntil: '2026-03-08T08:00:00.000Z' })
    expect(waiting.youtube.message).toBe('waiting for quota until 2026-03-08T08:00:00.000Z')

    // After midnight Pacific the bucket is new; that day ends at 07:00 UTC (PDT since 02:00).
    clock.set(Date.parse('2026-03-08T08:00:01Z'))
    expect(await json(await ws[2]!.call('POST', '/quota', { method: 'videos.insert' }))).toEqual({ granted: true })
    expect((await json(await core.request('/v1/youtube/quota', { token: s.accessToken }))).resetAt).toBe('2026-03-09T07:00:00.000Z')

    // quotaExceeded from YouTube spends the bucket whatever the count says.
    const spent = await json(await ws[0]!.call('POST', '/limit', { method: 'thumbnails.set', reason: 'quotaExceeded' }))
    expect(spent).toMatchObject({ granted: false, until: '2026-03-09T07:00:00.000Z' })
    const after = await json(await core.request('/v1/youtube/quota', { token: s.accessToken }))
    expect(after.buckets.find((b: any) => b.bucket === 'default')).toMatchObject({ spent: true, remaining: 0 })
    expect((await json(await ws[1]!.call('POST', '/quota', { method: 'videos.list' }))).granted).toBe(false)
    const metrics = await (await core.request('/metrics')).text()
    expect(metrics).toMatch(/ytempire_youtube_quota_used\{bucket="upload"\} 1/)
    clock.set(Date.now())
  })

  test('uploadLimitExceeded pauses that channel only, for 24 hours', async () => {
    const s = await signUp(core)
    const a = await connectedChannel(s.accessToken)
    const b = await connectedChannel(s.accessToken)
    const va = await finishedVideo(core, s.accessToken, a.id)
    const vb = await finishedVideo(core, s.accessToken, b.id)
    const wa = await askToPublish(s.accessToken, va.id)
    const wb = await askToPublish(s.accessToken, vb.id)
    const limited = await json(await wa.call('POST', '/limit', { method: 'videos.insert', reason: 'uploadLimitExceeded' }))
    expect(limited.granted).toBe(false)
    expect(limited.reason).toBe('upload_limit')
    expect(Math.abs(Date.parse(limited.until) - clock() - 24 * 3600_000)).toBeLessThan(5000)
    expect((await json(await wa.call('POST', '/begin'))).action).toBe('wait')
    expect((await json(await wb.call('POST', '/begin'))).action).toBe('upload')
    const status = await json(await core.request(`/v1/channels/${a.id}/youtube`, { token: s.accessToken }))
    expect(status.uploadsPausedUntil).toBe(limited.until)
    expect((await json(await core.request(`/v1/videos/${va.id}`, { token: s.accessToken }))).youtube.message).toContain('upload limit')
  })
})

describe('a revoked grant', () => {
  test('pauses publishing and shows "reconnect needed"; connecting again resumes it with a new grant', async () => {
    const { s, ch, id, w } = await videoAskedToPublish()
    const oldGrant = w.grant
    for (const t of google.liveRefreshTokens()) google.revokeGrant(t)
    core.services.youtube.forgetAccessToken(ch.id)
    const paused = await json(await worker(id, oldGrant).call('POST', '/begin'))
    expect(paused.action).toBe('pause')
    const video = await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))
    expect(video.youtube.status).toBe('paused')
    expect(video.youtube.message).toContain('reconnect')
    const ytStatus = await json(await core.request(`/v1/channels/${ch.id}`, { token: s.accessToken }))
    expect(ytStatus.youtube.status).toBe('reconnect_needed')

    await connectChannel(core, google, s.accessToken, ch.id, ch.account)
    const resumed = await publishJob(id, 2)
    expect(resumed.publish.grant).not.toBe(oldGrant)
    expect((await worker(id, oldGrant).call('POST', '/begin')).status).toBe(401)
    expect((await json(await worker(id, resumed.publish.grant).call('POST', '/begin'))).action).toBe('upload')
  })
})
