// End to end: the core API queues a video, a real render worker process (BullMQ, espeak-ng, ffmpeg)
// produces it, and the core records the reports, serves the file with Range, and prices it.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TERMINAL_VIDEO_STATUSES } from '@ytempire/contract'
import { ffprobe, solidImage, waitUntil } from '@ytempire/test-support'
import { type Core, json, signUp, signUpAdmin, testEnv } from './harness'

const env = await testEnv()
let core: Core
let worker: ReturnType<typeof Bun.spawn>
beforeAll(async () => {
  core = await env.core((c) => c, { consumeEvents: true })
  // Full size: the test checks the picture's dimensions.
  worker = env.renderWorker({ VIDEO_SCALE: '1' })
})
afterAll(async () => {
  worker.kill('SIGTERM')
  await worker.exited
})

const SCRIPT = {
  title: 'Tiny facts',
  description: 'Two short scenes.',
  tags: ['test'],
  scenes: [
    { narration: 'Honey never spoils.', keywords: ['honey'] },
    { narration: 'Bananas are berries.', keywords: ['banana'] },
  ],
}

/** Polls the video until the pipeline has finished with it (2 minutes at most). */
function finished(id: string, token: string): Promise<any> {
  return waitUntil(
    async () => {
      const video = await json(await core.request(`/v1/videos/${id}`, { token }))
      return TERMINAL_VIDEO_STATUSES.includes(video.status) && video
    },
    { what: `video ${id} finished`, timeoutMs: 120_000, intervalMs: 200 },
  )
}

describe('core + render worker', () => {
  test('a submitted script becomes a playable MP4 with thumbnail, costs and recorded stages', async () => {
    const s = await signUp(core)
    const ch = await json(
      await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'E2E', niche: 'facts', aspect: '1:1' } }),
    )
    const submitted = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT } }),
    )
    const video = await finished(submitted.id, s.accessToken)
    expect(video.error).toBeNull()
    expect(video.status).toBe('completed')
    expect(video.progress).toBe(100)
    expect(video.encoder).toBe('libx264')
    for (const stage of ['script', 'voice', 'visuals', 'render', 'thumbnail']) expect(video.stages[stage].status).toBe('completed')

    const file = await core.request(`/v1/videos/${video.id}/file`, { token: s.accessToken })
    expect(file.status).toBe(200)
    const mp4 = new Uint8Array(await file.arrayBuffer())
    expect(new TextDecoder().decode(mp4.slice(4, 8))).toBe('ftyp')
    const path = `${env.storageDir}/probe-${video.id}.mp4`
    await Bun.write(path, mp4)
    const probe = await ffprobe(path)
    const v = probe.streams.find((x) => x.codec_type === 'video')!
    expect([v.width, v.height]).toEqual([1080, 1080])
    expect(probe.streams.some((x) => x.codec_type === 'audio')).toBe(true)
    expect(Math.abs(Number(probe.format.duration) - video.durationS)).toBeLessThan(0.5)

    const range = await core.request(`/v1/videos/${video.id}/file`, { token: s.accessToken, headers: { range: 'bytes=0-7' } })
    expect(range.status).toBe(206)
    expect(new TextDecoder().decode(new Uint8Array(await range.arrayBuffer()).slice(4, 8))).toBe('ftyp')
    const thumb = await core.request(`/v1/videos/${video.id}/thumbnail`, { token: s.accessToken })
    expect(thumb.headers.get('content-type')).toBe('image/jpeg')

    const cost = await json(await core.request(`/v1/videos/${video.id}/cost`, { token: s.accessToken }))
    expect(cost.items.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining(['render_seconds', 'tts_characters', 'storage_bytes']),
    )
    expect(cost.totalUsd).toBeGreaterThan(0)
  }, 180_000)

  test('media on a private address is refused (no SSRF), the video fails with the reason and lands in the dead letters; an admin re-drives it', async () => {
    const adminToken = (await signUpAdmin(core)).accessToken
    const s = await signUp(core)
    const ch = await json(
      await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'SSRF', niche: 'x', aspect: '1:1' } }),
    )
    const submitted = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, {
        method: 'POST',
        token: s.accessToken,
        json: {
          script: SCRIPT,
          visualSource: 'uploads',
          media: ['http://127.0.0.1:9/secret.jpg', 'http://169.254.169.254/latest/meta-data'],
        },
      }),
    )
    const video = await finished(submitted.id, s.accessToken)
    expect(video.status).toBe('failed')
    expect(video.error).toMatch(/private|not allowed|refused|public/i)

    const letters = await json(await core.request('/v1/admin/dead-letters', { token: adminToken }))
    const letter = letters.find((l: { videoId: string }) => l.videoId === submitted.id)
    expect(letter).toBeDefined()
    expect(letter.stage).toBe('visuals')
    expect((await core.request('/v1/admin/dead-letters', { token: s.accessToken })).status).toBe(403)
    const redriven = await core.request(`/v1/admin/dead-letters/${letter.id}/redrive`, { method: 'POST', token: adminToken })
    expect(redriven.status).toBe(200)
    expect((await json(redriven)).status).toBe('queued')
    expect(
      (await json(await core.request('/v1/admin/dead-letters', { token: adminToken }))).some((l: { id: string }) => l.id === letter.id),
    ).toBe(false)
  }, 180_000)

  test("the operator's own upload becomes the scene background", async () => {
    const s = await signUp(core)
    const png = solidImage('0xff00ff', '320x320')
    const up = await json(await core.request('/v1/uploads?name=magenta.png', { method: 'POST', token: s.accessToken, body: png }))
    const ch = await json(
      await core.request('/v1/channels', {
        method: 'POST',
        token: s.accessToken,
        json: { name: 'Own media', niche: 'x', aspect: '1:1', captionStyle: 'none' },
      }),
    )
    const submitted = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, {
        method: 'POST',
        token: s.accessToken,
        json: { script: { ...SCRIPT, scenes: [SCRIPT.scenes[0]] }, visualSource: 'uploads', media: [up.key] },
      }),
    )
    const video = await finished(submitted.id, s.accessToken)
    expect(video.error).toBeNull()
    expect(video.status).toBe('completed')
    const path = `${env.storageDir}/own-${video.id}.mp4`
    await Bun.write(path, await (await core.request(`/v1/videos/${video.id}/file`, { token: s.accessToken })).arrayBuffer())
    // The middle pixel of a frame is the uploaded magenta (allowing for YUV rounding and the pan).
    const rgb = new Uint8Array(
      Bun.spawnSync([
        'ffmpeg',
        '-v',
        'error',
        '-ss',
        '0.8',
        '-i',
        path,
        '-frames:v',
        '1',
        '-vf',
        'crop=2:2:539:539',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ]).stdout,
    )
    expect(rgb[0]).toBeGreaterThan(200)
    expect(rgb[1]).toBeLessThan(60)
    expect(rgb[2]).toBeGreaterThan(200)
  }, 180_000)
})
