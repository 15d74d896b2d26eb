// Render benchmark: a 60-s 1080p30 video (pan motion, crossfades, word captions, espeak-ng voice)
// through the real pipeline, against ffmpeg encoding 60 s of 1080p30 testsrc2 with the same encoder
// and preset, plus submit-to-processor-start latency. Prints figures; asserts nothing.
//   bun run --cwd render bench        (X264_PRESET, VIDEO_ENCODER, BENCH_ROUNDS honoured)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QUEUES, type VideoScript } from '@ytempire/contract'
import { dispatchVideo } from '@ytempire/contract/queue'
import { deleteRedisPrefix } from '@ytempire/test-support'
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { loadConfig } from '../src/config'
import { chooseEncoder } from '../src/ffmpeg/encoder'
import { FFMPEG_QUIET, probeDuration, runFfmpeg } from '../src/ffmpeg/ffmpeg'
import { startPipeline } from '../src/pipeline/workers'
import { EventLog, REDIS_URL, silentLog, videoJob } from '../test/helpers'

const rounds = Number(process.env.BENCH_ROUNDS || 2)
const prefix = `ytempire-bench-${crypto.randomUUID().slice(0, 8)}`
const root = await mkdtemp(join(tmpdir(), 'ytempire-bench-'))
const env = {
  ...process.env,
  QUEUE_PREFIX: prefix,
  STORAGE_DIR: join(root, 'storage'),
  RENDER_TMP_DIR: join(root, 'tmp'),
  VIDEO_SCALE: '1',
  LOG_LEVEL: 'silent',
}
const config = loadConfig(env)
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
const script = (await Bun.file(join(import.meta.dir, '../assets/sample-script.json')).json()) as VideoScript
const encoder = await chooseEncoder(config.video.encoder)
const preset = encoder === 'h264_nvenc' ? config.video.nvencPreset : config.video.x264Preset

const s = (n: number) => n.toFixed(2)

async function baseline(): Promise<number> {
  const out = join(root, 'testsrc2.mp4')
  const codec =
    encoder === 'h264_nvenc'
      ? ['-c:v', 'h264_nvenc', '-preset', preset, '-rc', 'vbr', '-cq', '23', '-b:v', '0']
      : ['-c:v', 'libx264', '-preset', preset, '-crf', String(config.video.x264Crf)]
  const run = await runFfmpeg([
    ...FFMPEG_QUIET,
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=1920x1080:r=30:d=60',
    ...codec,
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '60',
    out,
  ])
  return run.wallSeconds
}

async function pipelineRun(): Promise<{ renderS: number; totalS: number; videoS: number; stages: Record<string, number> }> {
  const log = new EventLog(prefix)
  const pipeline = await startPipeline(config, silentLog)
  const job = videoJob({ plan: 'premium', script, targetSeconds: 60 })
  const t0 = performance.now()
  await dispatchVideo(redis, job, { prefix })
  const end = await log.waitFor(job.videoId, ['video.completed', 'video.failed'], 600_000)
  const totalS = (performance.now() - t0) / 1000
  await pipeline.close(1000)
  const events = log.of(job.videoId)
  await log.close()
  if (end.type !== 'video.completed') throw new Error(`bench video failed: ${JSON.stringify(end)}`)
  const stages: Record<string, number> = {}
  for (const e of events) if (e.type === 'stage.completed') stages[e.stage] = e.durationMs / 1000
  const videoS = await probeDuration(join(config.storage.kind === 'local' ? config.storage.dir : '', end.video.key))
  return { renderS: stages.render ?? NaN, totalS, videoS, stages }
}

async function latency(samples = 50): Promise<{ p50: number; p99: number; max: number }> {
  const latPrefix = `${prefix}-lat`
  const started = new Map<string, number>()
  let notify: (() => void) | undefined
  const worker = new Worker(
    QUEUES.script,
    async (job) => {
      started.set(job.id!, performance.now())
      notify?.()
    },
    { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: latPrefix, concurrency: 1 },
  )
  await worker.waitUntilReady()
  await Bun.sleep(200)
  const producer = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
  const lat: number[] = []
  for (let i = 0; i < samples + 3; i++) {
    const videoId = crypto.randomUUID()
    const seen = new Promise<void>((r) => (notify = r))
    const t0 = performance.now()
    await dispatchVideo(producer, videoJob({ videoId, script, targetSeconds: 60, captionStyle: 'none' }), { prefix: latPrefix })
    await seen
    if (i >= 3) lat.push(started.get(videoId)! - t0) // first few warm the connections
    await Bun.sleep(20) // the worker is idle again, blocked on Redis
  }
  await worker.close()
  producer.disconnect()
  await deleteRedisPrefix(redis, latPrefix)
  lat.sort((a, b) => a - b)
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)]!
  return { p50: q(0.5), p99: q(0.99), max: lat.at(-1)! }
}

try {
  console.log(`encoder ${encoder}, preset ${preset}, ${navigator.hardwareConcurrency} cores, ${rounds} round(s)`)
  const ratios: number[] = []
  for (let r = 1; r <= rounds; r++) {
    const base = await baseline()
    const run = await pipelineRun()
    // Normalise to 60 s of output so a slightly shorter or longer narration compares fairly.
    const ratio = run.renderS / run.videoS / (base / 60)
    ratios.push(ratio)
    console.log(
      `round ${r}: testsrc2 60 s encode ${s(base)} s | render of ${s(run.videoS)} s video ${s(run.renderS)} s ` +
        `(ffmpeg pass + storage) | ratio ${ratio.toFixed(3)} | whole pipeline dispatch->completed ${s(run.totalS)} s ` +
        `[${Object.entries(run.stages)
          .map(([k, v]) => `${k} ${s(v)}`)
          .join(', ')}]`,
    )
    await deleteRedisPrefix(redis, prefix)
  }
  console.log(
    `render/baseline ratio: best ${Math.min(...ratios).toFixed(3)}, median ${ratios.sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!.toFixed(3)} (target <= 1.2)`,
  )
  const l = await latency()
  console.log(
    `submit -> processor start over 50 jobs (idle worker): p50 ${s(l.p50)} ms, p99 ${s(l.p99)} ms, max ${s(l.max)} ms (target p99 < 50 ms)`,
  )
} finally {
  await deleteRedisPrefix(redis, prefix)
  redis.disconnect()
  await rm(root, { recursive: true, force: true })
}
// BullMQ workers' duplicated blocking connections would keep the process alive.
process.exit(0)
