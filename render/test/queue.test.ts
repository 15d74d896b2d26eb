// Queue behaviour: plan priorities, retries with backoff then the dead-letter queue and re-drive,
// permanent errors not retried, cancel killing a running ffmpeg.
import { afterAll, describe, expect, test } from 'bun:test'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QUEUES } from '@ytempire/contract'
import { cancelVideo, dispatchVideo, listDeadLetters, pipelineQueue, redriveDeadLetter, stageJobId } from '@ytempire/contract/queue'
import { solidImage, waitUntil } from '@ytempire/test-support'
import { type Pipeline, startPipeline } from '../src/pipeline/workers'
import { createTestEnv, EventLog, shortScript, silentLog, videoJob } from './helpers'

const t = await createTestEnv()
const events = new EventLog(t.prefix)
const pipelines: Pipeline[] = []

afterAll(async () => {
  await Promise.all(pipelines.map((p) => p.close(500)))
  await events.close()
  await t.cleanup()
})

async function ffmpegProcessesUnder(dir: string): Promise<number> {
  let count = 0
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
      if (cmd[0]?.endsWith('ffmpeg') && cmd.some((a) => a.includes(dir))) count++
    } catch {
      // process ended while we looked
    }
  }
  return count
}

describe('queue behaviour', () => {
  test('premium jobs run before pro and free ones queued earlier', async () => {
    const prefix = `${t.prefix}-prio`
    const free = videoJob({ plan: 'free' })
    const pro = videoJob({ plan: 'pro' })
    const premium = videoJob({ plan: 'premium' })
    for (const job of [free, pro, premium]) await dispatchVideo(t.redis, job, { prefix })
    const log = new EventLog(prefix)
    const p = await startPipeline(t.config({ QUEUE_PREFIX: prefix, STAGE_CONCURRENCY: '1' }), silentLog, undefined, ['script'])
    try {
      await Promise.all([free, pro, premium].map((j) => log.waitFor(j.videoId, ['stage.completed'], 30_000)))
      const order = log.events.filter((e) => e.type === 'stage.started').map((e) => e.videoId)
      expect(order).toEqual([premium.videoId, pro.videoId, free.videoId])
    } finally {
      await p.close(500)
      await log.close()
    }
  }, 60_000)

  test('a failing stage is retried, then dead-lettered with its reason, and can be re-driven', async () => {
    let hits = 0
    let healthy = false
    const png = solidImage('orange', '64x64')
    const server = Bun.serve({
      port: 0,
      fetch() {
        hits++
        return healthy ? new Response(png, { headers: { 'content-type': 'image/png' } }) : new Response('upstream down', { status: 500 })
      },
    })
    const p = await startPipeline(t.config({ MEDIA_ALLOW_PRIVATE_HOSTS: '1' }), silentLog)
    pipelines.push(p)
    const job = videoJob({ visualSource: 'uploads', media: [`http://127.0.0.1:${server.port}/photo.png`] })
    try {
      await dispatchVideo(t.redis, job, { prefix: t.prefix, attempts: 2, backoffMs: 50 })
      const failed = await events.waitFor(job.videoId, ['video.failed'], 30_000)
      expect(failed.stage).toBe('visuals')
      expect(failed.reason).toContain('500')
      expect(failed.attempts).toBe(2)
      expect(hits).toBe(2)
      const attempts = events.of(job.videoId).filter((e) => e.type === 'stage.failed' && e.stage === 'visuals')
      expect(attempts.map((e) => (e.type === 'stage.failed' ? e.willRetry : null))).toEqual([true, false])

      const dead = await listDeadLetters(t.redis, { prefix: t.prefix })
      const entry = dead.find((d) => d.videoId === job.videoId)!
      expect(entry).toBeDefined()
      expect(entry.id).toBe(failed.deadLetterJobId)
      expect(entry.stage).toBe('visuals')
      // The job as dispatched: this run of it (a re-drive is a new run, with reports of its own).
      expect(entry.video).toEqual({ ...job, runId: expect.any(String) })

      // Voice ran in parallel and still finishes; an operator re-drives later.
      await events.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'stage.completed' && e.stage === 'voice',
        'voice completed',
        30_000,
      )
      healthy = true
      await redriveDeadLetter(t.redis, entry.id, { prefix: t.prefix })
      const done = await events.waitUntil(
        (e) => e.videoId === job.videoId && (e.type === 'video.completed' || (e.type === 'video.failed' && e !== failed)),
        'the re-driven video to finish',
        60_000,
      )
      expect(done.type).toBe('video.completed')
      expect((await listDeadLetters(t.redis, { prefix: t.prefix })).some((d) => d.videoId === job.videoId)).toBe(false)
      // The voice made before the failure was reused, not spoken again.
      expect(events.of(job.videoId).filter((e) => e.type === 'cost' && e.stage === 'voice').length).toBe(1)
    } finally {
      server.stop(true)
    }
  }, 90_000)

  test('a permanent error (no script, no LLM) fails at once without retries', async () => {
    const job = videoJob({ script: undefined, topic: 'volcanoes' })
    await dispatchVideo(t.redis, job, { prefix: t.prefix, attempts: 3, backoffMs: 50 })
    const failed = await events.waitFor(job.videoId, ['video.failed'], 30_000)
    expect(failed.stage).toBe('script')
    expect(failed.attempts).toBe(1)
    expect(failed.reason).toContain('must carry its script')
    const tries = events.of(job.videoId).filter((e) => e.type === 'stage.started')
    expect(tries.length).toBe(1)
  }, 30_000)

  test('cancel kills the running ffmpeg and reports the video cancelled', async () => {
    const script = (await Bun.file(join(import.meta.dir, '../assets/sample-script.json')).json()) as any
    const prefix = `${t.prefix}-cancel`
    const log = new EventLog(prefix)
    const p = await startPipeline(t.config({ QUEUE_PREFIX: prefix, VIDEO_SCALE: '1', X264_PRESET: 'veryfast' }), silentLog)
    const job = videoJob({ script })
    try {
      await dispatchVideo(t.redis, job, { prefix })
      await log.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'stage.progress' && e.stage === 'render',
        'render progress',
        60_000,
      )
      expect(await ffmpegProcessesUnder(t.tmpDir)).toBeGreaterThan(0)
      await cancelVideo(t.redis, job.videoId, { prefix })
      const cancelled = await log.waitFor(job.videoId, ['video.cancelled', 'video.completed'], 30_000)
      expect(cancelled.type).toBe('video.cancelled')
      expect(cancelled.type === 'video.cancelled' && cancelled.stage).toBe('render')
      expect(await ffmpegProcessesUnder(t.tmpDir)).toBe(0)
      expect(await Bun.file(join(t.storageDir, `videos/${job.userId}/${job.videoId}/video.mp4`)).exists()).toBe(false)
      // Not dead-lettered: a cancel is not a failure. Closing waits for any dead-lettering under
      // way, and the drained queue holds every report sent.
      await p.close(500)
      await log.drained()
      expect(log.of(job.videoId).some((e) => e.type === 'video.failed')).toBe(false)
      expect((await listDeadLetters(t.redis, { prefix })).some((d) => d.videoId === job.videoId)).toBe(false)
    } finally {
      await p.close(500)
      await log.close()
    }
  }, 90_000)

  test('cancel while the voice and the scenes are made: both stop, the process lives on, the jobs go', async () => {
    const prefix = `${t.prefix}-cancel-early`
    const log = new EventLog(prefix)
    const p = await startPipeline(t.config({ QUEUE_PREFIX: prefix }), silentLog)
    const narration = 'A longer scene about the deep sea, its light and its slow creatures.'
    const job = videoJob({
      script: { ...shortScript, scenes: Array.from({ length: 8 }, (_, i) => ({ narration: `${i}. ${narration}`, keywords: ['sea'] })) },
    })
    try {
      await dispatchVideo(t.redis, job, { prefix })
      await log.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'stage.started' && e.stage === 'visuals',
        'visuals started',
        30_000,
      )
      await cancelVideo(t.redis, job.videoId, { prefix })
      // Two stages stop at once: neither failure may go unhandled (an unhandled rejection ends the worker, and fails this test).
      await log.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'video.cancelled' && e.stage === 'voice',
        'voice cancelled',
        30_000,
      )
      await log.waitUntil(
        (e) => e.videoId === job.videoId && e.type === 'video.cancelled' && e.stage === 'visuals',
        'visuals cancelled',
        30_000,
      )
      // A cancelled video keeps no jobs: their data is the owner's.
      await waitUntil(async () => !(await pipelineQueue(t.redis, QUEUES.voice, prefix).getJob(stageJobId(job.videoId, 'voice'))), {
        what: 'the cancelled jobs removed',
      })
    } finally {
      await p.close(500)
      await log.close()
    }
  }, 60_000)
})
