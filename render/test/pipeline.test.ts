// End to end through BullMQ, espeak-ng and ffmpeg: render, captions, 1080p, events, cost.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { dispatchVideo } from '@ytempire/contract/queue'
import { ffprobe } from '@ytempire/test-support'
import { probeDuration, runFfmpeg } from '../src/ffmpeg/ffmpeg'
import { fontMetrics } from '../src/ffmpeg/font-metrics'
import { renderPlan } from '../src/ffmpeg/render-plan'
import { thumbnailArgs, thumbnailLayout } from '../src/ffmpeg/thumbnail'
import { type Pipeline, startPipeline } from '../src/pipeline/workers'
import type { VoiceTrack } from '../src/stages/voice'
import { sceneGradient } from '../src/visuals/generated'
import { createTestEnv, EventLog, frameAt, regionDiff, silentLog, type TestEnv, videoJob } from './helpers'

let t: TestEnv
let events: EventLog
let pipeline: Pipeline

beforeAll(async () => {
  t = await createTestEnv()
  events = new EventLog(t.prefix)
  pipeline = await startPipeline(t.config(), silentLog)
})

afterAll(async () => {
  await pipeline.close(1000)
  await events.close()
  await t.cleanup()
})

describe('pipeline end to end', () => {
  test('renders a short video: h264 High + aac, size, duration matches narration, thumbnail, events', async () => {
    const job = videoJob()
    await dispatchVideo(t.redis, job, { prefix: t.prefix })
    const done = await events.waitFor(job.videoId, ['video.completed', 'video.failed'], 90_000)
    if (done.type !== 'video.completed') throw new Error(`video failed: ${JSON.stringify(done)}`)

    const videoPath = join(t.storageDir, done.video.key)
    const probe = await ffprobe(videoPath)
    const v = probe.streams.find((s) => s.codec_type === 'video')!
    const a = probe.streams.find((s) => s.codec_type === 'audio')!
    expect(v.codec_name).toBe('h264')
    expect(v.profile).toBe('High')
    expect([v.width, v.height]).toEqual([480, 270])
    expect(a.codec_name).toBe('aac')

    const track = (await Bun.file(join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice-track.json`)).json()) as VoiceTrack
    const narration = await probeDuration(join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice.wav`))
    expect(Math.abs(Number(probe.format.duration) - narration)).toBeLessThan(0.2)
    expect(track.words.length).toBe(21)
    expect(track.sceneStarts.length).toBe(2)
    // Words run forward in time and stay inside the narration.
    for (let i = 1; i < track.words.length; i++) expect(track.words[i]!.start).toBeGreaterThanOrEqual(track.words[i - 1]!.start)
    expect(track.words.at(-1)!.end).toBeLessThanOrEqual(narration + 0.01)

    // Loudness-normalised for YouTube: integrated loudness of the narration near -14 LUFS.
    const meter = Bun.spawnSync([
      'ffmpeg',
      '-hide_banner',
      '-nostdin',
      '-i',
      join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice.wav`),
      '-af',
      'ebur128',
      '-f',
      'null',
      '-',
    ])
    const integrated = Number(meter.stderr.toString().match(/I:\s+(-?[\d.]+) LUFS\s*\n\s*Threshold/)?.[1])
    expect(Math.abs(integrated - -14)).toBeLessThan(1.5)

    const thumb = await ffprobe(join(t.storageDir, done.thumbnail.key))
    expect(thumb.streams[0]!.codec_name).toBe('mjpeg')
    expect([thumb.streams[0]!.width, thumb.streams[0]!.height]).toEqual([1280, 720])
    // Generated scenes carry their keywords in big type: the thumbnail is the first scene's gradient
    // and the title only, the same image as drawn from that gradient directly.
    const font = t.config().video.fontBoldFile
    const layout = thumbnailLayout(done.title, await fontMetrics(font))
    const titleFile = join(t.tmpDir, `${job.videoId}-title.txt`)
    await Bun.write(titleFile, layout.lines.join('\n'))
    const expected = join(t.tmpDir, `${job.videoId}-expected.jpg`)
    const background = { kind: 'gradient' as const, ...sceneGradient(job.script!.scenes[0]!.keywords, 0) }
    await runFfmpeg(thumbnailArgs({ background, layout, titleFile, fontFile: font, outputPath: expected }), { timeoutS: 30 })
    const pixels = (path: string) =>
      new Uint8Array(Bun.spawnSync(['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']).stdout)
    expect(regionDiff(pixels(join(t.storageDir, done.thumbnail.key)), pixels(expected), 1280, 0, 720)).toBeLessThan(1)

    // Events: every stage started and completed, costs reported, title from the script.
    const mine = events.of(job.videoId)
    for (const stage of ['script', 'voice', 'visuals', 'render', 'thumbnail']) {
      expect(mine.some((e) => e.type === 'stage.started' && e.stage === stage)).toBe(true)
      expect(mine.some((e) => e.type === 'stage.completed' && e.stage === stage)).toBe(true)
    }
    expect(mine.some((e) => e.type === 'stage.progress' && e.stage === 'render')).toBe(true)
    const costKinds = new Set(mine.flatMap((e) => (e.type === 'cost' ? e.items.map((i) => i.kind) : [])))
    expect([...costKinds].sort()).toEqual(['render_seconds', 'storage_bytes', 'tts_characters'])
    expect(done.title).toBe('Tiny Facts About Honey Bees')
    expect(done.durationS).toBeCloseTo(narration, 1)
    expect(mine.at(-1)!.type).toBe('video.completed')

    // Captions are burned in: the same frame rendered without the captions track differs at the
    // bottom (where the caption sits) and not at the top.
    const word = track.words[3]!
    const atS = (word.start + word.end) / 2
    const scenes = await Promise.all(
      [0, 1].map(async (i) => ({
        kind: 'still' as const,
        path: join(t.storageDir, `videos/${job.userId}/${job.videoId}/scenes/${i}.png`),
        start: track.sceneStarts[i]!,
      })),
    )
    const bare = join(t.tmpDir, `${job.videoId}-bare.mp4`)
    await runFfmpeg(
      renderPlan({
        width: 480,
        height: 270,
        fps: 30,
        durationS: narration,
        scenes,
        motion: 'pan',
        crossfadeS: 0.4,
        voicePath: join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice.wav`),
        encoder: { codec: 'libx264', preset: 'superfast', quality: 21 },
        threads: 0,
        outputPath: bare,
      }),
    )
    const withCaptions = await frameAt(videoPath, atS)
    const without = await frameAt(bare, atS)
    const bottom = regionDiff(withCaptions, without, 480, 200, 270)
    const top = regionDiff(withCaptions, without, 480, 0, 100)
    expect(bottom).toBeGreaterThan(4)
    expect(bottom).toBeGreaterThan(top * 5)
  }, 120_000)

  test('renders at true 1920x1080', async () => {
    const local = await startPipeline(t.config({ VIDEO_SCALE: '1', QUEUE_PREFIX: `${t.prefix}-hd` }), silentLog)
    const hdEvents = new EventLog(`${t.prefix}-hd`)
    try {
      const job = videoJob({
        script: {
          title: 'Full HD',
          description: '',
          tags: [],
          scenes: [{ narration: 'This one is rendered in full high definition.', keywords: ['full', 'hd'] }],
        },
      })
      await dispatchVideo(t.redis, job, { prefix: `${t.prefix}-hd` })
      const done = await hdEvents.waitFor(job.videoId, ['video.completed', 'video.failed'], 90_000)
      if (done.type !== 'video.completed') throw new Error(`video failed: ${JSON.stringify(done)}`)
      const probe = await ffprobe(join(t.storageDir, done.video.key))
      const v = probe.streams.find((s) => s.codec_type === 'video')!
      expect([v.codec_name, v.profile, v.width, v.height]).toEqual(['h264', 'High', 1920, 1080])
      expect(probe.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true)
      const narration = await probeDuration(join(t.storageDir, `videos/${job.userId}/${job.videoId}/voice.wav`))
      expect(Math.abs(Number(probe.format.duration) - narration)).toBeLessThan(0.2)
    } finally {
      await local.close(1000)
      await hdEvents.close()
    }
  }, 120_000)
})
