// A worker process killed mid-render (SIGKILL: no cleanup, lock left to lapse): another worker
// process picks the stalled job up and the video still completes.
import { afterAll, expect, test } from 'bun:test'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QUEUES, type VideoScript } from '@ytempire/contract'
import { dispatchVideo, pipelineQueue, stageJobId } from '@ytempire/contract/queue'
import { ffprobe, waitUntil } from '@ytempire/test-support'
import { createTestEnv, EventLog, videoJob } from './helpers'

const t = await createTestEnv()
const events = new EventLog(t.prefix)

afterAll(async () => {
  await t.stopWorkerProcesses()
  // ffmpeg children orphaned by the SIGKILLed worker, found by their private temp dir.
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmd.startsWith('ffmpeg') && cmd.includes(t.tmpDir)) process.kill(Number(pid), 'SIGKILL')
  }
  await events.close()
  await t.cleanup()
})

const startWorkerProcess = (extra: Record<string, string> = {}) =>
  t.startWorkerProcess({ VIDEO_SCALE: '0.5', RENDER_SHUTDOWN_GRACE_S: '1', ...extra })

test('a worker SIGKILLed mid-render: the job completes on another worker via stalled recovery', async () => {
  const [a, b] = [startWorkerProcess(), startWorkerProcess()]
  const script = (await Bun.file(join(import.meta.dir, '../assets/sample-script.json')).json()) as VideoScript
  const job = videoJob({ script })
  await dispatchVideo(t.redis, job, { prefix: t.prefix })

  const started = await events.waitUntil(
    (e) => e.videoId === job.videoId && e.type === 'stage.started' && e.stage === 'render',
    'render started',
    60_000,
  )
  if (started.type !== 'stage.started') throw new Error('unexpected')
  await events.waitUntil((e) => e.videoId === job.videoId && e.type === 'stage.progress' && e.stage === 'render', 'render progress', 30_000)
  const victimPid = Number(started.worker.split(':').at(-1))
  const victim = [a, b].find((p) => p.pid === victimPid)!
  expect(victim).toBeDefined()
  victim.kill('SIGKILL')
  await victim.exited

  const done = await events.waitFor(job.videoId, ['video.completed', 'video.failed'], 120_000)
  if (done.type !== 'video.completed') throw new Error(JSON.stringify(done))
  const renderStarts = events.of(job.videoId).filter((e) => e.type === 'stage.started' && e.stage === 'render')
  expect(renderStarts.length).toBe(2)
  const survivor = renderStarts[1]!.type === 'stage.started' ? renderStarts[1]!.worker : ''
  expect(survivor).not.toBe(started.worker)
  const probe = await ffprobe(join(t.storageDir, done.video.key))
  expect(probe.streams.find((s) => s.codec_type === 'video')!.height).toBe(540)
}, 150_000)

test('SIGTERM past the grace deadline hands the running render back without spending an attempt', async () => {
  // The survivor of the previous test must not pick this job up instead of the worker we stop.
  await t.stopWorkerProcesses('SIGTERM')
  const first = startWorkerProcess({ RENDER_SHUTDOWN_GRACE_S: '0' })
  const script = (await Bun.file(join(import.meta.dir, '../assets/sample-script.json')).json()) as VideoScript
  const job = videoJob({ script })
  await dispatchVideo(t.redis, job, { prefix: t.prefix })
  await events.waitUntil((e) => e.videoId === job.videoId && e.type === 'stage.progress' && e.stage === 'render', 'render progress', 60_000)
  first.kill('SIGTERM')
  expect(await first.exited).toBe(0)
  // The job went back to the queue without spending an attempt, and every report the stopped worker
  // sent has been consumed: nothing failed and nothing finished.
  const render = await waitUntil(
    async () => {
      const j = await pipelineQueue(t.redis, QUEUES.render, t.prefix).getJob(stageJobId(job.videoId, 'render'))
      const state = await j?.getState()
      return j && ['delayed', 'waiting', 'prioritized'].includes(state ?? '') ? j : undefined
    },
    { what: 'the render job back in the queue', timeoutMs: 10_000 },
  )
  expect(render.attemptsMade).toBe(0)
  await events.drained()
  expect(events.of(job.videoId).some((e) => e.type === 'stage.failed' || e.type === 'video.failed')).toBe(false)
  expect(events.of(job.videoId).some((e) => e.type === 'stage.completed' && e.stage === 'render')).toBe(false)

  startWorkerProcess()
  const done = await events.waitFor(job.videoId, ['video.completed', 'video.failed'], 120_000)
  expect(done.type).toBe('video.completed')
  const renderStarts = events.of(job.videoId).filter((e) => e.type === 'stage.started' && e.stage === 'render')
  expect(renderStarts.map((e) => (e.type === 'stage.started' ? e.attempt : 0))).toEqual([1, 1])
}, 150_000)
