// Resource limits (OWASP API4): each video of a batch counts against video_generation; per-plan caps
// on narration, media and stored bytes answer a problem+json naming the limit.
import { beforeAll, describe, expect, test } from 'bun:test'
import { RATE_LIMITS } from '@ytempire/contract'
import { type Core, json, signUp, testEnv } from './harness'

// The free plan, small enough to reach in a test.
const env = await testEnv((c) => ({
  ...c,
  rateLimits: { ...c.rateLimits, video_generation: RATE_LIMITS.video_generation },
  plans: { ...c.plans, free: { ...c.plans.free, narrationChars: 80, mediaItems: 2, storageBytes: 5000 } },
}))
let core: Core
beforeAll(async () => {
  core = await env.core()
})

const scene = (narration: string) => ({ narration, keywords: ['k'] })
const script = (...narrations: string[]) => ({ title: 'Limits', description: '', tags: [], scenes: narrations.map(scene) })

async function operator() {
  const s = await signUp(core)
  const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'L', niche: 'l' } }))
  const post = (path: string, body: unknown) =>
    core.request(`/v1/channels/${ch.id}/${path}`, { method: 'POST', token: s.accessToken, json: body })
  return { ...s, channel: ch, one: (body: unknown) => post('videos', body), batch: (videos: unknown[]) => post('videos/batch', { videos }) }
}

describe('video_generation counts every video of a batch', () => {
  test('a batch of 11 is refused within 10 per hour; a batch of 5 and 5 singles use the hour up', async () => {
    const op = await operator()
    const eleven = await op.batch(Array.from({ length: 11 }, () => ({ script: script('Short.') })))
    expect(eleven.status).toBe(429)
    expect(eleven.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(eleven)).detail).toContain('a batch of 11 videos counts as 11')
    // The refused batch counted as the one request it was.
    const five = await op.batch(Array.from({ length: 5 }, () => ({ script: script('Short.') })))
    expect(five.status).toBe(202)
    const singles: number[] = []
    for (let i = 0; i < 5; i++) singles.push((await op.one({ script: script('Short.') })).status)
    expect(singles).toEqual([202, 202, 202, 202, 429])
  })
})

describe('per-plan caps', () => {
  test('narration characters and media count: 403 plan-limit naming the limit and the field', async () => {
    const op = await operator()
    const long = await op.one({ script: script('A'.repeat(50), 'B'.repeat(40)) })
    expect(long.status).toBe(403)
    expect(await json(long)).toMatchObject({
      type: expect.stringContaining('plan-limit'),
      limit: 'narrationChars',
      plan: 'free',
      allowed: 80,
    })
    const media = await op.one({
      script: script('Fine.'),
      media: ['https://example.com/1.jpg', 'https://example.com/2.jpg', 'https://example.com/3.jpg'],
    })
    expect(media.status).toBe(403)
    const body = await json(media)
    expect(body).toMatchObject({ limit: 'mediaItems', allowed: 2 })
    expect(body.errors[0].field).toBe('media')
    const inBatch = await op.batch([{ script: script('Fine.') }, { script: script('C'.repeat(81)) }])
    expect((await json(inBatch)).errors[0].field).toBe('videos.1.script.scenes')
  })

  test('stored bytes count every file of the videos, not only the MP4: a full account starts no video', async () => {
    const op = await operator()
    const video = await json(await op.one({ script: script('First.') }))
    // The voice and the scenes of a video that has no MP4 yet.
    await core.services.videos.recordEvent(
      {
        type: 'cost',
        videoId: video.id,
        at: new Date().toISOString(),
        stage: 'voice',
        items: [
          {
            stage: 'voice',
            kind: 'storage_bytes',
            item: 'storage',
            ref: `videos/${op.user.id}/${video.id}/voice.wav`,
            quantity: 6000,
            unit: 'byte_month',
            unitPriceUsd: 0,
            amountUsd: 0,
          },
        ],
      },
      `storage-${video.id}`,
    )
    const refused = await op.one({ script: script('Second.') })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ limit: 'storageBytes', allowed: 5000 })
    const billing = await json(await core.request('/v1/billing', { token: op.accessToken }))
    expect(billing.usage.storageBytes).toBe(6000)
    expect(billing.entitlements).toMatchObject({ narrationChars: 80, mediaItems: 2 })
  })
})
