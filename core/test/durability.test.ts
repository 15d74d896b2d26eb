// Nothing lost, nothing applied twice: worker reports keep an identity of their own, the cost ledger
// keeps every line once, and a report for a video this installation does not know is kept.
import { describe, expect, test } from 'bun:test'
import type { CostItem, Stage } from '@ytempire/contract'
import { deleteRedisPrefix, waitUntil } from '@ytempire/test-support'
import { json, signUp, testCore } from './harness'

const { env, core, admin } = await testCore({ consumeEvents: true })
const reporter = core.deps.pipeline.reporter()

const SCRIPT = {
  title: 'Seven scenes',
  description: '',
  tags: [],
  scenes: Array.from({ length: 7 }, (_, i) => ({ narration: `Scene ${i + 1}.`, keywords: [`k${i}`] })),
}

async function submitVideo() {
  const s = await signUp(core)
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'D', niche: 'd' } }))
  const video = await json(
    await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT } }),
  )
  return { ...s, video: video as { id: string } }
}

/** Every report queued so far has been applied. */
const drained = () => waitUntil(async () => (await reporter.pending()) === 0, { what: 'every report applied' })

const videoOf = async (id: string, token: string) => json(await core.request(`/v1/videos/${id}`, { token }))

const storageLine = (videoId: string, name: string, bytes: number, stage: Stage = 'visuals'): CostItem => ({
  stage,
  kind: 'storage_bytes',
  item: 'storage',
  ref: `videos/${videoId}/${name}`,
  quantity: bytes,
  unit: 'byte_month',
  unitPriceUsd: 1e-9,
  amountUsd: bytes * 1e-9,
})

/** The cost report a worker sends at the end of a stage. */
const reportCost = (videoId: string, stage: Stage, items: CostItem[]) => reporter.report({ type: 'cost', videoId, stage, items })

describe('report identity', () => {
  test('a Redis that lost the events queue (and its id counter) cannot make a new report look like a duplicate', async () => {
    const { video, accessToken } = await submitVideo()
    await reporter.report({ type: 'stage.started', videoId: video.id, stage: 'script', attempt: 1, worker: 'w' })
    await waitUntil(async () => (await videoOf(video.id, accessToken)).status === 'running', { what: 'the video running' })
    // A crash with `appendfsync everysec`, a failover or a restore: the queue's keys are gone, ids start again at 1.
    await deleteRedisPrefix(core.deps.redis, `${env.config.queuePrefix}:video-events:`)
    await reporter.report({ type: 'stage.completed', videoId: video.id, stage: 'script', durationMs: 5, artifacts: [] })
    const done = await waitUntil(
      async () => {
        const v = await videoOf(video.id, accessToken)
        return v.stages.script.status === 'completed' && v
      },
      { what: 'the script stage recorded completed after the queue was lost' },
    )
    expect(done.status).toBe('running')
  })

  test('a replayed report (the same identity) is applied once; another report of the same kind is not a replay', async () => {
    const { video, accessToken } = await submitVideo()
    const cost = (id: string, quantity: number) => ({
      type: 'cost' as const,
      videoId: video.id,
      id,
      at: new Date().toISOString(),
      stage: 'render' as const,
      items: [
        {
          stage: 'render' as const,
          kind: 'render_seconds' as const,
          item: 'libx264:cpu',
          quantity,
          unit: 'cpu_second' as const,
          unitPriceUsd: 1,
          amountUsd: quantity,
        },
      ],
    })
    // The queue's own job key says nothing: a replay may come under another, a new report under an old one.
    await core.services.videos.recordEvent(cost(`${video.id}.r1.render.1.cost`, 2), 'queue-key-a')
    await core.services.videos.recordEvent(cost(`${video.id}.r1.render.1.cost`, 2), 'queue-key-b')
    await core.services.videos.recordEvent(cost(`${video.id}.r1.render.2.cost`, 3), 'queue-key-a')
    const lines = await json(await core.request(`/v1/videos/${video.id}/cost`, { token: accessToken }))
    expect(lines.items.map((i: { quantity: number }) => i.quantity)).toEqual([2, 3])
  })
})

describe('the cost ledger', () => {
  test('a 7-scene video records 7 visuals storage lines, not 1', async () => {
    const { video, accessToken } = await submitVideo()
    const scenes = SCRIPT.scenes.map((_, i) => storageLine(video.id, `scenes/${i}.png`, 1000 + i))
    await reportCost(video.id, 'visuals', scenes)
    await drained()
    const after = await json(await core.request(`/v1/videos/${video.id}/cost`, { token: accessToken }))
    expect(after.items.filter((i: { kind: string }) => i.kind === 'storage_bytes')).toHaveLength(7)
  })

  test('a re-driven video is not billed twice for the files its re-run replaced', async () => {
    const { video, accessToken } = await submitVideo()
    // The first run stores two scenes and the MP4; the re-run stores the same keys again (the MP4 a little larger).
    const scenes = [storageLine(video.id, 'scenes/0.png', 100), storageLine(video.id, 'scenes/1.png', 100)]
    await reportCost(video.id, 'visuals', scenes)
    await reportCost(video.id, 'render', [storageLine(video.id, 'video.mp4', 5000, 'render')])
    await reportCost(video.id, 'visuals', scenes)
    await reportCost(video.id, 'render', [storageLine(video.id, 'video.mp4', 6000, 'render')])
    await drained()
    const cost = await json(await core.request(`/v1/videos/${video.id}/cost`, { token: accessToken }))
    const storage = cost.items.filter((i: { kind: string }) => i.kind === 'storage_bytes')
    expect(storage).toHaveLength(3)
    // A replaced file is billed at its current size.
    expect(storage.reduce((n: number, i: { quantity: number }) => n + i.quantity, 0)).toBe(6200)
  })
})

describe('reports for a video this installation does not know', () => {
  test('are kept, logged, counted and listed for administrators, never dropped', async () => {
    const stranger = crypto.randomUUID()
    await reporter.report({ type: 'stage.started', videoId: stranger, stage: 'render', attempt: 1, worker: 'elsewhere:1' })
    const listed = await waitUntil(
      async () => {
        const res = await core.request('/v1/admin/unknown-video-reports', { token: admin.accessToken })
        if (res.status !== 200) return undefined
        const body = await json(res)
        return body.items.find((r: { videoId: string }) => r.videoId === stranger)
      },
      { what: 'the report listed for admins' },
    )
    expect(listed).toMatchObject({ videoId: stranger, type: 'stage.started', stage: 'render' })
    const metrics = await (await core.request('/metrics')).text()
    expect(metrics).toMatch(/video_reports_unknown_total \d+/)
    const member = await signUp(core)
    expect((await core.request('/v1/admin/unknown-video-reports', { token: member.accessToken })).status).toBe(403)
  })
})
