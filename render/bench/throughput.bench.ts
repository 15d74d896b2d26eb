// Throughput of one render node: videos per hour at 1, 2 and 4 concurrent jobs. One worker process's
// pipeline (every stage) with RENDER_CONCURRENCY = c (STAGE_CONCURRENCY at least its default 4) takes 2c videos queued at
// once; the figure is their count over the wall time from the first dispatch to the last completion.
// The videos are short (the sample script's first 3 scenes, ~23 s at 1080p30 unless VIDEO_SCALE says
// otherwise), so this measures a node's steady state on short content; prints figures, asserts nothing.
//   bun run bench render      (THROUGHPUT_LEVELS=1,2,4  THROUGHPUT_SCENES=3  X264_PRESET, VIDEO_SCALE honoured)
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VideoScript } from '@ytempire/contract'
import { dispatchVideo } from '@ytempire/contract/queue'
import { deleteRedisPrefix } from '@ytempire/test-support'
import { Redis } from 'ioredis'
import { loadConfig } from '../src/config'
import { chooseEncoder } from '../src/ffmpeg/encoder'
import { probeDuration } from '../src/ffmpeg/ffmpeg'
import { startPipeline } from '../src/pipeline/workers'
import { EventLog, REDIS_URL, silentLog, videoJob } from '../test/helpers'

const levels = (process.env.THROUGHPUT_LEVELS || '1,2,4').split(',').map(Number)
const sceneCount = Number(process.env.THROUGHPUT_SCENES || 3)
const root = await mkdtemp(join(tmpdir(), 'ytempire-throughput-'))
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
const sample = (await Bun.file(join(import.meta.dir, '../assets/sample-script.json')).json()) as VideoScript
const script: VideoScript = { ...sample, scenes: sample.scenes.slice(0, sceneCount) }

interface Level {
  concurrency: number
  videos: number
  wallS: number
  videoSeconds: number
  perHour: number
}

async function level(concurrency: number): Promise<Level> {
  const prefix = `ytempire-throughput-${crypto.randomUUID().slice(0, 8)}`
  const config = loadConfig({
    ...process.env,
    QUEUE_PREFIX: prefix,
    STORAGE_DIR: join(root, 'storage'),
    RENDER_TMP_DIR: join(root, 'tmp'),
    LOG_LEVEL: 'silent',
    RENDER_CONCURRENCY: String(concurrency),
    STAGE_CONCURRENCY: String(Math.max(4, concurrency)),
  })
  const log = new EventLog(prefix)
  const pipeline = await startPipeline(config, silentLog)
  const jobs = Array.from({ length: concurrency * 2 }, () => videoJob({ plan: 'pro', script, targetSeconds: 15 }))
  try {
    const t0 = performance.now()
    for (const job of jobs) await dispatchVideo(redis, job, { prefix })
    const ends = await Promise.all(jobs.map((job) => log.waitFor(job.videoId, ['video.completed', 'video.failed'], 900_000)))
    const wallS = (performance.now() - t0) / 1000
    let videoSeconds = 0
    for (const end of ends) {
      if (end.type !== 'video.completed') throw new Error(`a bench video failed: ${JSON.stringify(end)}`)
      videoSeconds += await probeDuration(join(config.storage.kind === 'local' ? config.storage.dir : '', end.video.key))
    }
    return { concurrency, videos: jobs.length, wallS, videoSeconds, perHour: (jobs.length / wallS) * 3600 }
  } finally {
    await pipeline.close(1000)
    await log.close()
    await deleteRedisPrefix(redis, `${prefix}:`)
  }
}

try {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' })
  const encoder = await chooseEncoder(config.video.encoder)
  const preset = encoder === 'h264_nvenc' ? config.video.nvencPreset : config.video.x264Preset
  const scale = Number(process.env.VIDEO_SCALE || 1)
  console.log(
    `render node throughput: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )} before the run, encoder ${encoder} ${preset}, scale ${scale} (16:9 ${Math.round(1920 * scale)}x${Math.round(1080 * scale)}), ` +
      `${script.scenes.length}-scene videos, espeak-ng voice, generated backgrounds, word captions`,
  )
  const results: Level[] = []
  for (const c of levels) {
    const r = await level(c)
    results.push(r)
    console.log(
      `concurrency ${c}: ${r.videos} videos (${(r.videoSeconds / r.videos).toFixed(1)} s each) in ${r.wallS.toFixed(1)} s = ` +
        `${r.perHour.toFixed(0)} videos/hour per node, ${((r.videoSeconds / r.wallS) * 60).toFixed(0)} min of video per hour`,
    )
  }
  const base = results[0]
  if (base)
    console.log(
      `scaling over concurrency ${base.concurrency}: ${results.map((r) => `${r.concurrency} → ${(r.perHour / base.perHour).toFixed(2)}x`).join(', ')}`,
    )
} finally {
  redis.disconnect()
  await rm(root, { recursive: true, force: true })
}
process.exit(0)
