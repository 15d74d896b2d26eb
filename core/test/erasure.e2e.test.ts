// Erasure that erases: DELETE /v1/me with a real render worker running one of the user's videos.
// Afterwards the store holds nothing of theirs (uploads, scene copies of their media, voice, script,
// files of completed, failed and running videos) and the queue holds no job or dead letter of theirs;
// the running job stops and writes nothing more. Deleting a channel deletes its videos' files.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE, TERMINAL_VIDEO_STATUSES, userVideosPrefix, videoPrefix } from '@ytempire/contract'
import { solidImage, waitUntil } from '@ytempire/test-support'
import { type Core, json, signUp, testEnv } from './harness'

const env = await testEnv()
let core: Core
let worker: ReturnType<typeof Bun.spawn>
beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true })
  await signUp(core) // the installation's admin: the accounts erased below are members
  worker = env.renderWorker({ RENDER_CANCEL_POLL_MS: '50' })
})
afterAll(async () => {
  worker.kill('SIGTERM')
  await worker.exited
})

const png = solidImage('teal', '64x64')
const script = (scenes: number, words = 'A short scene about the sea.') => ({
  title: 'Mine',
  description: '',
  tags: [],
  scenes: Array.from({ length: scenes }, (_, i) => ({ narration: `${i + 1}. ${words}`, keywords: ['sea'] })),
})

async function listAll(prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of core.deps.storage.list(prefix)) keys.push(o.key)
  return keys
}

async function operator() {
  const s = await signUp(core)
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'E', niche: 'e' } }))
  const submit = async (body: Record<string, unknown>) =>
    json(await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: body }))
  const video = (id: string) => core.request(`/v1/videos/${id}`, { token: s.accessToken }).then(json)
  const settled = (id: string) =>
    waitUntil(async () => TERMINAL_VIDEO_STATUSES.includes((await video(id)).status) && video(id), {
      what: `video ${id} finished`,
      timeoutMs: 90_000,
      intervalMs: 200,
    })
  return { ...s, channel: ch, submit, video, settled }
}

describe('DELETE /v1/me', () => {
  test('stops the running job, then leaves nothing of the user in the store or the queue', async () => {
    const op = await operator()
    const up = await json(
      await core.request('/v1/uploads?name=mine.png', {
        method: 'POST',
        token: op.accessToken,
        body: png,
        headers: { 'content-type': 'application/octet-stream' },
      }),
    )
    // Completed, with scene copies of the user's own media.
    const done = await op.submit({ script: script(2), visualSource: 'uploads', media: [up.key] })
    expect((await op.settled(done.id)).status).toBe('completed')
    // Failed: its media cannot be fetched (a dead-letter entry holds its job).
    const failed = await op.submit({ script: script(1), visualSource: 'uploads', media: ['http://127.0.0.1:9/gone.png'] })
    expect((await op.settled(failed.id)).status).toBe('failed')
    // Cancelled while queued.
    const cancelled = await op.submit({ script: script(1) })
    await core.request(`/v1/videos/${cancelled.id}/cancel`, { method: 'POST', token: op.accessToken })
    // Running when the account is erased.
    const running = await op.submit({ script: script(6, 'A longer scene about the deep sea, its light and its slow creatures.') })
    await waitUntil(async () => (await op.video(running.id)).stages.voice?.status === 'running', {
      what: 'the last video running',
      timeoutMs: 60_000,
    })
    const ids = [done.id, failed.id, cancelled.id, running.id]
    expect((await listAll(userVideosPrefix(op.user.id))).length).toBeGreaterThan(0)

    const res = await core.request('/v1/me', { method: 'DELETE', token: op.accessToken, json: { password: op.password } })
    expect(res.status).toBe(204)
    // The running stages see the cancel flag, stop, and take their jobs (the owner's data) with them.
    const jobsLeft = async () => {
      const states: string[] = []
      for (const id of ids)
        for (const stage of PIPELINE.stages) {
          const job = await core.deps.pipeline.stageJob(id, stage)
          if (job) states.push(`${id}.${stage}: ${await job.getState()}`)
        }
      return states
    }
    await waitUntil(async () => (await jobsLeft()).length === 0 || undefined, {
      intervalMs: 200,
      what: 'no job of the user left in the queue',
      timeoutMs: 30_000,
    })

    const left = [...(await listAll('videos/')), ...(await listAll('uploads/'))].filter(
      (key) => key.includes(op.user.id) || ids.some((id) => key.includes(id)),
    )
    expect(left).toEqual([])
    expect((await core.deps.pipeline.deadLetters.list()).filter((d) => ids.includes(d.videoId))).toEqual([])
  }, 240_000)
})

describe('DELETE /v1/channels/:id', () => {
  test("deletes its videos' files", async () => {
    const op = await operator()
    const video = await op.submit({ script: script(1) })
    expect((await op.settled(video.id)).status).toBe('completed')
    expect((await listAll(videoPrefix(op.user.id, video.id))).length).toBeGreaterThan(0)
    const res = await core.request(`/v1/channels/${op.channel.id}`, { method: 'DELETE', token: op.accessToken })
    expect(res.status).toBe(204)
    expect(await listAll(videoPrefix(op.user.id, video.id))).toEqual([])
    expect(await core.deps.pipeline.stageJob(video.id, 'thumbnail')).toBeUndefined()
  }, 120_000)
})
