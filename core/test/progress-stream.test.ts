// The live progress stream: an update published while its snapshot is read is not lost; a change
// whose pub/sub message was lost reaches the stream at its next resync; ending the session (logout)
// closes the streams it opened; another user's video is 404.
import { beforeAll, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { eq } from 'drizzle-orm'
import { videos } from '../src/db/schema'
import { type Core, json, signUp, testEnv } from './harness'

const env = await testEnv((c) => ({ ...c, progressResyncMs: 100 }))
let core: Core
beforeAll(async () => {
  core = await env.core()
})

async function watchedVideo() {
  const s = await signUp(core)
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'S', niche: 's' } }))
  const script = { title: 'Live', description: '', tags: [], scenes: [{ narration: 'Watch me.', keywords: ['w'] }] }
  const video = await json(await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } }))
  const seen = follow(await core.request(`/v1/videos/${video.id}/events`, { token: s.accessToken }))
  await waitUntil(() => seen.text.includes('event: snapshot'), { what: 'the snapshot' })
  return { ...s, video, seen }
}

/** Reads an event stream as it comes: the text so far, and whether it has ended. */
function follow(res: Response) {
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  const seen = { text: '', ended: false }
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      seen.text += decoder.decode(value)
    }
    seen.ended = true
  })()
  return seen
}

test('an update published while the snapshot is read reaches the stream (it subscribed first)', async () => {
  // No resync within the test: a lost message would stay lost.
  const racing = await env.core((c) => ({ ...c, progressResyncMs: 3_600_000 }))
  const s = await signUp(racing)
  const ch = await json(await racing.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'R', niche: 'r' } }))
  const script = { title: 'Race', description: '', tags: [], scenes: [{ narration: 'Now or never.', keywords: ['r'] }] }
  const video = await json(await racing.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } }))
  expect(video.status).toBe('queued')

  // The stream's snapshot read: once it has read the video, and before it answers, the video is
  // cancelled (a real update, published); the read answers only once that message has been delivered.
  const service = racing.services.videos
  const read = service.view
  let raced = false
  service.view = async function (this: typeof service, userId, id) {
    const snapshot = await read.call(this, userId, id)
    if (!raced) {
      raced = true
      const delivered = new Promise<void>((resolve) => {
        const off = racing.deps.videoUpdates.listen(id, () => {
          off()
          resolve()
        })
      })
      await service.cancel(userId, id)
      await delivered
    }
    return snapshot
  }
  try {
    const seen = follow(await racing.request(`/v1/videos/${video.id}/events`, { token: s.accessToken }))
    await waitUntil(() => seen.ended, { what: 'the stream to end with the cancellation' })
    expect(raced).toBe(true)
    const events = [...seen.text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map(([, event, data]) => ({
      event,
      status: JSON.parse(data!).status,
    }))
    expect(events).toEqual([
      { event: 'snapshot', status: 'queued' },
      { event: 'update', status: 'cancelled' },
    ])
  } finally {
    service.view = read
  }
}, 30_000)

test('a change whose pub/sub message never came reaches the stream at the next resync', async () => {
  const { video, seen } = await watchedVideo()
  // Written the way a report is, but nothing is published: the message is lost.
  await core.deps.database.db
    .update(videos)
    .set({ status: 'running', progress: 42, updatedAt: new Date(Date.now() + 1000) })
    .where(eq(videos.id, video.id))
  await waitUntil(() => seen.text.includes('"progress":42'), { what: 'the missed change streamed' })
  expect(seen.text.match(/event: update/g)).toHaveLength(1)
})

test('logging out closes the streams the session opened', async () => {
  const { seen, refreshToken } = await watchedVideo()
  const out = await core.request('/v1/auth/logout', { method: 'POST', json: { refreshToken } })
  expect(out.status).toBeLessThan(300)
  await waitUntil(() => seen.ended, { what: 'the stream closed' })
})
