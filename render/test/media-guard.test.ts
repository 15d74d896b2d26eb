// Media a user points a video at cannot reach past the SSRF guard or into the worker's own files:
// the container is checked by its bytes (a playlist served as video/mp4 is refused), ffmpeg opens
// local files only, tools have a time limit and stop on cancel, the plan's caps hold in the workers,
// and a failure tells the owner a reason without our addresses or temp paths.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dispatchVideo } from '@ytempire/contract/queue'
import { solidImage } from '@ytempire/test-support'
import { FfmpegError, ToolTimeoutError } from '../src/errors'
import { probeDuration, runFfmpeg } from '../src/ffmpeg/ffmpeg'
import { type Pipeline, startPipeline } from '../src/pipeline/workers'
import { detectSilences } from '../src/voice/word-timing'
import { createTestEnv, EventLog, silentLog, type TestEnv, videoJob } from './helpers'

let t: TestEnv
let events: EventLog
let pipeline: Pipeline
let scratch: string
let server: ReturnType<typeof Bun.serve>
let base: string
/** Paths asked of the media server. */
const asked: string[] = []

const png = solidImage('red', '64x64')

beforeAll(async () => {
  t = await createTestEnv()
  events = new EventLog(t.prefix)
  scratch = await mkdtemp(join(tmpdir(), 'ytempire-media-guard-'))
  // A file of the worker's own machine that a playlist could name.
  await writeFile(join(scratch, 'secret.png'), png)
  server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req) {
      const path = new URL(req.url).pathname
      asked.push(path)
      const mp4 = { 'content-type': 'video/mp4' }
      if (path === '/playlist.mp4')
        return new Response(`#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n${base}/internal/segment.ts\n#EXT-X-ENDLIST\n`, { headers: mp4 })
      if (path === '/local.mp4') return new Response(`ffconcat version 1.0\nfile '${join(scratch, 'secret.png')}'\n`, { headers: mp4 })
      // PNG by its first bytes, garbage after: ffmpeg fails on it.
      if (path === '/broken.png')
        return new Response(new Uint8Array([...png.slice(0, 33), ...new Uint8Array(200).fill(7)]), {
          headers: { 'content-type': 'image/png' },
        })
      if (path === '/photo.png') return new Response(png, { headers: { 'content-type': 'image/png' } })
      return new Response('nope', { status: 404 })
    },
  })
  base = `http://127.0.0.1:${server.port}`
  pipeline = await startPipeline(t.config({ MEDIA_ALLOW_PRIVATE_HOSTS: '1' }), silentLog)
})

afterAll(async () => {
  await pipeline.close(500)
  server.stop(true)
  await events.close()
  await t.cleanup()
  await rm(scratch, { recursive: true, force: true })
})

async function failureOf(job: ReturnType<typeof videoJob>) {
  await dispatchVideo(t.redis, job, { prefix: t.prefix, attempts: 1 })
  const done = await events.waitFor(job.videoId, ['video.failed', 'video.completed'], 60_000)
  if (done.type !== 'video.failed') throw new Error(`expected a failure, got ${done.type}`)
  return done
}

describe('media checked by its bytes', () => {
  test('an HLS playlist served as video/mp4 is refused before ffmpeg opens it: its URLs are never fetched', async () => {
    const failed = await failureOf(videoJob({ visualSource: 'uploads', media: [`${base}/playlist.mp4`] }))
    expect(failed.stage).toBe('visuals')
    expect(failed.reason).toContain('is not an image or a video clip')
    expect(asked).not.toContain('/internal/segment.ts')
  }, 60_000)

  test('a concat list naming a file of the worker is refused too', async () => {
    const failed = await failureOf(videoJob({ visualSource: 'uploads', media: [`${base}/local.mp4`] }))
    expect(failed.reason).toContain('is not an image or a video clip')
  }, 60_000)
})

describe('ffmpeg opens local files only', () => {
  test('an input through another protocol (concat:, a URL) is refused by ffmpeg itself', async () => {
    const out = join(scratch, 'out.png')
    const concat = await runFfmpeg(['-v', 'error', '-y', '-i', `concat:${join(scratch, 'secret.png')}`, '-frames:v', '1', out]).catch(
      (e) => e,
    )
    expect(concat).toBeInstanceOf(FfmpegError)
    expect(concat.stderrTail).toContain('not on whitelist')
    const url = await runFfmpeg(['-v', 'error', '-y', '-i', `${base}/photo.png`, '-frames:v', '1', out]).catch((e) => e)
    expect(url).toBeInstanceOf(FfmpegError)
    expect(asked).not.toContain('/photo.png')
    // A plain local file still works.
    await runFfmpeg(['-v', 'error', '-y', '-i', join(scratch, 'secret.png'), '-frames:v', '1', out])
  })
})

describe('tools have a limit and stop on cancel', () => {
  test('ffprobe on a pipe that never delivers is killed at its limit; silence detection stops on the signal', async () => {
    const fifo = join(scratch, 'never')
    Bun.spawnSync(['mkfifo', fifo])
    expect(await probeDuration(fifo, { timeoutS: 1 }).catch((e) => e)).toBeInstanceOf(ToolTimeoutError)
    const abort = new AbortController()
    const detecting = detectSilences(fifo, abort.signal).catch((e) => e)
    abort.abort(new Error('cancelled by the operator'))
    expect((await detecting).message).toBe('cancelled by the operator')
  })
})

describe("the plan's caps hold in the workers", () => {
  test('a narration longer than the plan allows fails the video, saying so', async () => {
    const failed = await failureOf(videoJob({ limits: { maxVideoSeconds: 2, narrationChars: 10_000, mediaBytes: 10_000_000 } }))
    expect(failed.stage).toBe('voice')
    expect(failed.reason).toMatch(/the narration runs [\d.]+ s; the plan allows videos of 2 s/)
  }, 60_000)

  test("media past the plan's bytes fail the video, saying so", async () => {
    const failed = await failureOf(
      videoJob({
        visualSource: 'uploads',
        media: [`${base}/photo.png`],
        limits: { maxVideoSeconds: 300, narrationChars: 10_000, mediaBytes: 10 },
      }),
    )
    expect(failed.stage).toBe('visuals')
    expect(failed.reason).toContain("pass the plan's limit")
  }, 60_000)
})

describe('what the owner is told', () => {
  test('an ffmpeg failure gives a reason without our temp paths', async () => {
    const failed = await failureOf(videoJob({ visualSource: 'uploads', media: [`${base}/broken.png`] }))
    expect(failed.reason).toMatch(/ffmpeg|ffprobe/)
    expect(failed.reason).not.toContain(t.tmpDir)
    expect(failed.reason).not.toContain(t.storageDir)
    expect(failed.reason).not.toContain(tmpdir())
  }, 60_000)
})
