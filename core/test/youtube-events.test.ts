// The publishing events an operator's own systems subscribe to: `video.published`,
// `channel.quota_waiting` and `channel.reconnect_needed` reach their webhook endpoints, signed, and
// once per change however often a worker repeats the report that caused it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE, type VideoJob } from '@ytempire/contract'
import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { waitUntil } from '@ytempire/test-support'
import { FakeGoogle } from '@ytempire/test-support/google'
import { Queue } from 'bullmq'
import { and, eq } from 'drizzle-orm'
import { webhookMessages } from '../src/db/schema'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { startWebhookReceiver } from './fakes/webhook-receiver'
import { type Core, json, signUp, testEnv } from './harness'
import { connectChannel, finishedVideo } from './youtube-helpers'

const receiver = startWebhookReceiver()

const google = await new FakeGoogle().start()
const env = await testEnv((c) => ({
  ...c,
  youtube: parseYouTubeConfig({ ...google.env(), YOUTUBE_QUOTA_BUCKETS: 'upload=1' }, c.publicUrl),
  webhooks: { ...c.webhooks, allowPrivateTargets: true, retryBaseMs: 40 },
}))
let core: Core
let queue: Queue
let connection: RedisConnection
beforeAll(async () => {
  core = await env.core((c) => c, { background: true })
  connection = duplicateRedis(core.deps.redis, 'test-events-queue', { maxRetriesPerRequest: null })
  queue = new Queue(PIPELINE.spec.publish.queue, { connection, prefix: env.config.queuePrefix })
})
afterAll(async () => {
  await queue.close()
  connection.disconnect()
  await google.close()
  receiver.stop()
})

/** An operator with a connected channel, a finished video asked to be published, and an endpoint for the publishing events. */
async function publishing(path: string) {
  const s = await signUp(core)
  const res = await core.request('/v1/webhooks/endpoints', {
    method: 'POST',
    token: s.accessToken,
    json: {
      url: `http://127.0.0.1:${receiver.port}${path}`,
      events: ['video.published', 'channel.quota_waiting', 'channel.reconnect_needed'],
    },
  })
  expect(res.status).toBe(201)
  const endpoint = await json(res)
  receiver.secret(path, endpoint.secret)
  const ch = await json(
    await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Octo', niche: 'sea life' } }),
  )
  await connectChannel(core, google, s.accessToken, ch.id)
  const video = async () => {
    const { id } = await finishedVideo(core, s.accessToken, ch.id)
    expect((await core.request(`/v1/videos/${id}/publish`, { method: 'POST', token: s.accessToken, json: {} })).status).toBe(202)
    const job = (await queue.getJob(`${id}.publish.1`))!.data.video as VideoJob
    const call = (method: string, p: string, body?: unknown) =>
      core.request(`/internal/youtube/publications/${id}${p}`, {
        method,
        headers: { authorization: `Bearer ${job.publish!.grant}` },
        ...(body === undefined ? {} : { json: body }),
      })
    return { id, call }
  }
  return { s, ch, endpoint, video }
}

/** The messages written for an endpoint, of one type (what would be delivered, retries aside). */
const messages = (endpointId: string, type: string) =>
  core.deps.database.db
    .select()
    .from(webhookMessages)
    .where(and(eq(webhookMessages.endpointId, endpointId), eq(webhookMessages.type, type)))
const delivered = (path: string, type: string) => receiver.at(path).filter((r) => r.body.type === type)

describe('publishing events reach the webhooks once', () => {
  test('video.published: sent when the video is on YouTube, not again when the worker repeats its last report', async () => {
    const { ch, endpoint, video } = await publishing('/published')
    const v = await video()
    await v.call('POST', '/begin')
    await v.call('PUT', '/session', { uri: 'https://upload.example/s?upload_id=one', size: 1000 })
    expect(await json(await v.call('POST', '/uploaded', { id: 'yt-published-1', privacyStatus: 'private' }))).toEqual({ recorded: true })
    expect(await messages(endpoint.id, 'video.published')).toHaveLength(0)
    expect((await v.call('POST', '/thumbnail', { outcome: 'set' })).status).toBe(204)
    // A worker killed after its report and run again reports the same end.
    expect((await v.call('POST', '/thumbnail', { outcome: 'set' })).status).toBe(204)
    expect(await messages(endpoint.id, 'video.published')).toHaveLength(1)

    const [got] = await waitUntil(
      () => delivered('/published', 'video.published').length > 0 && delivered('/published', 'video.published'),
      {
        what: 'the video.published delivery',
      },
    )
    expect(got!.verified).toBe(true)
    expect(got!.body.data.video).toMatchObject({
      id: v.id,
      channelId: ch.id,
      youtube: { status: 'published', youtubeVideoId: 'yt-published-1', url: 'https://www.youtube.com/watch?v=yt-published-1' },
    })
  })

  test('channel.quota_waiting: sent when a publication starts waiting for the quota, once per reset', async () => {
    const { ch, endpoint, video } = await publishing('/quota')
    const first = await video()
    const second = await video()
    expect(await json(await first.call('POST', '/quota', { method: 'videos.insert' }))).toEqual({ granted: true })
    const denied = await json(await second.call('POST', '/quota', { method: 'videos.insert' }))
    expect(denied).toMatchObject({ granted: false, reason: 'quota' })
    // The job retried before the reset asks again: the same wait, told no one twice.
    expect(await json(await second.call('POST', '/quota', { method: 'videos.insert' }))).toMatchObject({
      granted: false,
      until: denied.until,
    })
    expect(await messages(endpoint.id, 'channel.quota_waiting')).toHaveLength(1)

    const [got] = await waitUntil(
      () => delivered('/quota', 'channel.quota_waiting').length > 0 && delivered('/quota', 'channel.quota_waiting'),
      {
        what: 'the channel.quota_waiting delivery',
      },
    )
    expect(got!.verified).toBe(true)
    expect(got!.body.data).toEqual({ channelId: ch.id, videoId: second.id, reason: 'quota', until: denied.until })
  })

  test('channel.reconnect_needed: sent once when Google refuses the grant, however many workers find out', async () => {
    const { ch, endpoint, video } = await publishing('/reconnect')
    const a = await video()
    const b = await video()
    for (const t of google.liveRefreshTokens()) google.revokeGrant(t)
    core.services.youtube.forgetAccessToken(ch.id)
    // Both workers ask at once: both refreshes are refused by Google.
    const answers = await Promise.all([a.call('POST', '/begin'), b.call('POST', '/begin')])
    for (const answer of answers) expect((await json(answer)).action).toBe('pause')
    expect((await json(await a.call('POST', '/begin'))).action).toBe('pause')
    expect(await messages(endpoint.id, 'channel.reconnect_needed')).toHaveLength(1)

    const [got] = await waitUntil(
      () => delivered('/reconnect', 'channel.reconnect_needed').length > 0 && delivered('/reconnect', 'channel.reconnect_needed'),
      { what: 'the channel.reconnect_needed delivery' },
    )
    expect(got!.verified).toBe(true)
    expect(got!.body.data).toMatchObject({ channelId: ch.id, reason: expect.any(String) })
  })
})
