import { describe, expect, test } from 'bun:test'
import { RATE_LIMITS } from '@ytempire/contract'
import { waitUntil } from '@ytempire/test-support'
import { json, recordVideoCompleted, signIn, signUp, testCore } from './harness'

const { env, core, admin } = await testCore({ consumeEvents: true })
// The worker side of the contract, as a render worker reports.
const reporter = core.deps.pipeline.reporter()

const SCRIPT = {
  title: 'Why the sky is blue',
  description: 'Rayleigh scattering in 30 seconds.',
  tags: ['science'],
  scenes: [
    { narration: 'Sunlight holds every colour.', keywords: ['sunlight'] },
    { narration: 'Air scatters blue light most.', keywords: ['sky'] },
  ],
}

async function operator() {
  const s = await signUp(core)
  const ch = await json(
    await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Science', niche: 'science' } }),
  )
  const submit = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: body, headers })
  return { ...s, channel: ch, submit }
}

const scriptJob = (videoId: string) => core.deps.pipeline.stageJob(videoId, 'script')
const recordedTypes = async (videoId: string) =>
  (
    (await core.deps.database.db.execute(
      `select type from video_events where video_id = '${videoId}' order by id` as never,
    )) as unknown as {
      type: string
    }[]
  ).map((e) => e.type)

describe('submitting videos', () => {
  test('a script is queued for the render workers with the channel’s settings and the plan’s priority', async () => {
    const op = await operator()
    const res = await op.submit({ script: SCRIPT, targetSeconds: 30 })
    expect(res.status).toBe(202)
    const video = await json(res)
    expect(video).toMatchObject({ status: 'queued', stage: 'script', progress: 0, width: 1920, height: 1080, title: SCRIPT.title })
    expect(res.headers.get('location')).toBe(`/v1/videos/${video.id}`)
    const job = await scriptJob(video.id)
    expect(job?.data).toMatchObject({
      videoId: video.id,
      userId: op.user.id,
      channelId: op.channel.id,
      plan: 'free',
      aspect: '16:9',
      captionStyle: 'highlight',
      language: 'en',
      targetSeconds: 30,
      visualSource: 'generated',
    })
    expect(job?.data.script).toEqual(SCRIPT)
    expect(job?.opts.priority).toBe(10)
    expect(job?.opts.attempts).toBe(3)
    // No OAuth tokens or secrets ride in the job.
    expect(JSON.stringify(job?.data)).not.toMatch(/token|password|secret/i)
  })

  test('a script sent as plain text is split into scenes with keywords before it is queued', async () => {
    const op = await operator()
    const text =
      'Honey never spoils. Archaeologists found edible honey in Egyptian tombs.\n\nBananas are berries, but strawberries are not.'
    const res = await op.submit({ script: text, title: 'Food facts' })
    expect(res.status).toBe(202)
    const video = await json(res)
    expect(video.title).toBe('Food facts')
    const job = await scriptJob(video.id)
    expect(job?.data.script.scenes.map((s: { narration: string }) => s.narration)).toEqual([
      'Honey never spoils. Archaeologists found edible honey in Egyptian tombs.',
      'Bananas are berries, but strawberries are not.',
    ])
    expect(job?.data.script.scenes[0].keywords).toEqual(expect.arrayContaining(['honey', 'egyptian']))
    const empty = await op.submit({ script: '...' })
    expect(empty.status).toBe(422)
    expect((await json(empty)).errors).toEqual([{ field: 'script', message: 'The script has no words to narrate' }])
  })

  test('without an LLM configured a topic alone is refused, naming the field; both or neither too', async () => {
    const op = await operator()
    const topic = await op.submit({ topic: 'The history of coffee' })
    expect(topic.status).toBe(422)
    expect((await json(topic)).errors[0]).toMatchObject({ field: 'topic' })
    expect((await json(await op.submit({}))).errors[0].field).toBe('topic')
    expect((await json(await op.submit({ topic: 'coffee', script: SCRIPT }))).errors.map((e: { field: string }) => e.field)).toContain(
      'script',
    )
  })

  test('bad input is named: scenes, media of another user, unknown fields', async () => {
    const op = await operator()
    const noScenes = await json(await op.submit({ script: { ...SCRIPT, scenes: [] } }))
    expect(noScenes.errors[0].field).toBe('script.scenes')
    const foreign = await json(
      await op.submit({ script: SCRIPT, media: ['https://example.com/a.jpg', 'uploads/someone-else/x.mp4', 'file:///etc/passwd'] }),
    )
    expect(foreign.errors.map((e: { field: string }) => e.field)).toEqual(['media.1', 'media.2'])
    expect((await json(await op.submit({ script: SCRIPT, priority: 1 }))).errors[0].field).toBe('priority')
  })

  test('Idempotency-Key: a retry returns the same video; a different body with the key is refused', async () => {
    const op = await operator()
    const key = `idem-${crypto.randomUUID()}`
    const first = await op.submit({ script: SCRIPT }, { 'idempotency-key': key })
    expect(first.status).toBe(202)
    const again = await op.submit({ script: SCRIPT }, { 'idempotency-key': key })
    expect(again.status).toBe(200)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect((await json(again)).id).toBe((await json(first)).id)
    const list = await json(await core.request(`/v1/videos?channelId=${op.channel.id}`, { token: op.accessToken }))
    expect(list.items).toHaveLength(1)
    const changed = await op.submit({ script: { ...SCRIPT, title: 'Other' } }, { 'idempotency-key': key })
    expect(changed.status).toBe(422)
  })

  test('limited to 10 per hour (video_generation)', async () => {
    const strict = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, video_generation: RATE_LIMITS.video_generation } }))
    const s = await signUp(strict)
    const ch = await json(await strict.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'R', niche: 'r' } }))
    const statuses = []
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await strict.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: SCRIPT } })).status,
      )
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true)
    expect(statuses[10]).toBe(429)
  })

  test('batch: up to 50, all or nothing', async () => {
    const op = await operator()
    const bad = await core.request(`/v1/channels/${op.channel.id}/videos/batch`, {
      method: 'POST',
      token: op.accessToken,
      json: { videos: [{ script: SCRIPT }, { topic: 'needs an llm' }] },
    })
    expect(bad.status).toBe(422)
    expect((await json(bad)).errors[0].field).toBe('videos.1.topic')
    expect((await json(await core.request(`/v1/videos?channelId=${op.channel.id}`, { token: op.accessToken }))).items).toHaveLength(0)
    const ok = await core.request(`/v1/channels/${op.channel.id}/videos/batch`, {
      method: 'POST',
      token: op.accessToken,
      json: { videos: [{ script: SCRIPT }, { script: SCRIPT, captionStyle: 'none' }, { script: SCRIPT }] },
    })
    expect(ok.status).toBe(202)
    const made = (await json(ok)).videos as { id: string }[]
    expect(made).toHaveLength(3)
    // Paging one by one through videos created within the same millisecond loses none and repeats none.
    for (const [i, v] of made.entries())
      await core.deps.database.db.execute(`update videos set created_at = '2026-01-01 00:00:00.1231${i}+00' where id = '${v.id}'` as never)
    const seen: string[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const page: { items: { id: string }[]; nextCursor: string | null } = await json(
        await core.request(`/v1/videos?channelId=${op.channel.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: op.accessToken }),
      )
      seen.push(...page.items.map((v) => v.id))
      cursor = page.nextCursor
    }
    expect(seen).toHaveLength(3)
    expect(new Set(seen).size).toBe(3)
    const tooMany = await core.request(`/v1/channels/${op.channel.id}/videos/batch`, {
      method: 'POST',
      token: op.accessToken,
      json: { videos: Array.from({ length: 51 }, () => ({ script: SCRIPT })) },
    })
    expect(tooMany.status).toBe(422)
  })

  test('list pages with a cursor and filters by status', async () => {
    const op = await operator()
    for (let i = 0; i < 3; i++) await op.submit({ script: SCRIPT })
    const p1 = await json(await core.request('/v1/videos?limit=2', { token: op.accessToken }))
    expect(p1.items).toHaveLength(2)
    const p2 = await json(await core.request(`/v1/videos?limit=2&cursor=${p1.nextCursor}`, { token: op.accessToken }))
    expect(p2.items).toHaveLength(1)
    expect(p2.nextCursor).toBeNull()
    expect(new Set([...p1.items, ...p2.items].map((v: { id: string }) => v.id)).size).toBe(3)
    expect((await json(await core.request('/v1/videos?status=completed', { token: op.accessToken }))).items).toHaveLength(0)
    expect((await core.request('/v1/videos?status=exploded', { token: op.accessToken })).status).toBe(422)
  })
})

describe('worker reports become recorded state', () => {
  test('stage and progress changes, completion, costs; SSE streams them; a finished video stays finished', async () => {
    const op = await operator()
    const video = await json(await op.submit({ script: SCRIPT }))
    const sse = await core.request(`/v1/videos/${video.id}/events`, { token: op.accessToken })
    expect(sse.headers.get('content-type')).toContain('text/event-stream')
    const reader = sse.body!.getReader()
    const decoder = new TextDecoder()
    let streamed = ''
    const readAll = (async () => {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        streamed += decoder.decode(value)
      }
    })()

    const id = video.id
    await reporter.report({ type: 'stage.started', videoId: id, stage: 'script', attempt: 1, worker: 'w1' })
    await reporter.report({ type: 'stage.completed', videoId: id, stage: 'script', durationMs: 12, artifacts: [] })
    await reporter.report({ type: 'stage.started', videoId: id, stage: 'render', attempt: 1, worker: 'w1' })
    await reporter.report({ type: 'stage.progress', videoId: id, stage: 'render', percent: 50 })
    const mid = await waitUntil(
      async () => {
        const v = await json(await core.request(`/v1/videos/${id}`, { token: op.accessToken }))
        return v.stages.render.percent === 50 && v.stage === 'render' && v.stages.script.status === 'completed' && v
      },
      { what: 'render at 50 %' },
    )
    expect(mid).toMatchObject({ status: 'running', stage: 'render' })
    expect(mid.progress).toBe(10 + 25)

    await core.deps.storage.put(
      `videos/${id}/video.mp4`,
      new Uint8Array(1000).map((_, i) => i % 256),
      'video/mp4',
    )
    await core.deps.storage.put(`videos/${id}/thumbnail.jpg`, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), 'image/jpeg')
    await reporter.report({
      type: 'cost',
      videoId: id,
      stage: 'render',
      items: [
        {
          stage: 'render',
          kind: 'render_seconds',
          item: 'libx264:cpu',
          quantity: 20,
          unit: 'cpu_second',
          unitPriceUsd: 0.000012,
          amountUsd: 0.00024,
        },
      ],
    })
    await reporter.report({
      type: 'cost',
      videoId: id,
      stage: 'voice',
      items: [
        {
          stage: 'voice',
          kind: 'tts_characters',
          item: 'elevenlabs',
          quantity: 1000,
          unit: 'character',
          unitPriceUsd: 0.0003,
          amountUsd: 0.3,
        },
      ],
    })
    await reporter.report({
      type: 'video.completed',
      videoId: id,
      title: SCRIPT.title,
      description: SCRIPT.description,
      tags: SCRIPT.tags,
      durationS: 31.2,
      video: { key: `videos/${id}/video.mp4`, contentType: 'video/mp4', size: 1000 },
      thumbnail: { key: `videos/${id}/thumbnail.jpg`, contentType: 'image/jpeg', size: 4 },
      artifacts: [],
      stageDurationsMs: { script: 12, render: 900 },
    })
    const done = await waitUntil(
      async () => {
        const v = await json(await core.request(`/v1/videos/${id}`, { token: op.accessToken }))
        return v.status === 'completed' && v
      },
      { what: 'the video completed' },
    )
    expect(done).toMatchObject({
      progress: 100,
      durationS: 31.2,
      fileBytes: 1000,
      encoder: 'libx264',
      links: { file: `/v1/videos/${id}/file`, thumbnail: `/v1/videos/${id}/thumbnail` },
    })

    // A late, out-of-order report is recorded, and does not roll the finished video back.
    await reporter.report({ type: 'stage.failed', videoId: id, stage: 'render', attempt: 1, reason: 'late', willRetry: false })
    await waitUntil(() => recordedTypes(id).then((types) => types.includes('stage.failed')), { what: 'the late report recorded' })
    const after = await json(await core.request(`/v1/videos/${id}`, { token: op.accessToken }))
    expect(after).toMatchObject({ status: 'completed', error: null, progress: 100 })
    expect(after.stages.render.status).toBe('completed')

    await readAll
    expect(streamed).toContain('event: snapshot')
    expect(streamed).toContain('"percent":50')
    expect(streamed.trim().endsWith('}')).toBe(true)
    expect(streamed).toContain('"status":"completed"')

    const cost = await json(await core.request(`/v1/videos/${id}/cost`, { token: op.accessToken }))
    expect(cost.totalUsd).toBeCloseTo(0.30024, 6)
    expect(cost.byStage).toEqual({ render: 0.00024, voice: 0.3 })
    const month = await json(await core.request('/v1/me/costs', { token: op.accessToken }))
    expect(month).toMatchObject({ videos: 1, byKind: { render_seconds: 0.00024, tts_characters: 0.3 } })

    // Consumers run concurrently, so arrival order may differ from report order; every report is there once.
    expect((await recordedTypes(id)).sort()).toEqual([
      'cost',
      'cost',
      'stage.completed',
      'stage.failed',
      'stage.progress',
      'stage.started',
      'stage.started',
      'video.completed',
    ])
  })

  test('an older report for a stage never overrides a newer one', async () => {
    const op = await operator()
    const video = await json(await op.submit({ script: SCRIPT }))
    const t0 = Date.now()
    const at = (ms: number) => new Date(t0 + ms).toISOString()
    await core.services.videos.recordEvent(
      { type: 'stage.completed', videoId: video.id, stage: 'voice', durationMs: 5, artifacts: [], at: at(200) },
      `o-${video.id}-2`,
    )
    await core.services.videos.recordEvent(
      { type: 'stage.started', videoId: video.id, stage: 'voice', attempt: 1, worker: 'w', at: at(0) },
      `o-${video.id}-1`,
    )
    const v = await json(await core.request(`/v1/videos/${video.id}`, { token: op.accessToken }))
    expect(v.stages.voice).toMatchObject({ status: 'completed', percent: 100 })
    // A stale start still tells that the video runs and has reached that stage.
    await core.services.videos.recordEvent(
      { type: 'stage.progress', videoId: video.id, stage: 'render', percent: 40, at: at(500) },
      `o-${video.id}-4`,
    )
    await core.services.videos.recordEvent(
      { type: 'stage.started', videoId: video.id, stage: 'render', attempt: 1, worker: 'w', at: at(400) },
      `o-${video.id}-3`,
    )
    const r = await json(await core.request(`/v1/videos/${video.id}`, { token: op.accessToken }))
    expect(r).toMatchObject({ status: 'running', stage: 'render' })
    expect(r.stages.render.percent).toBe(40)
  })

  test('the same event delivered twice is recorded once', async () => {
    const op = await operator()
    const video = await json(await op.submit({ script: SCRIPT }))
    const event = {
      type: 'cost' as const,
      videoId: video.id,
      at: new Date().toISOString(),
      stage: 'script' as const,
      items: [
        {
          stage: 'script' as const,
          kind: 'llm_tokens' as const,
          item: 'gpt-4o-mini:input',
          quantity: 1000,
          unit: 'token' as const,
          unitPriceUsd: 1.5e-7,
          amountUsd: 0.00015,
        },
      ],
    }
    await core.services.videos.recordEvent(event, 'dup-1')
    await core.services.videos.recordEvent(event, 'dup-1')
    expect((await json(await core.request(`/v1/videos/${video.id}/cost`, { token: op.accessToken }))).items).toHaveLength(1)
  })

  test('a final failure is recorded with its reason', async () => {
    const op = await operator()
    const video = await json(await op.submit({ script: SCRIPT }))
    await reporter.report({
      type: 'video.failed',
      videoId: video.id,
      stage: 'voice',
      reason: 'ElevenLabs said 401',
      attempts: 3,
      deadLetterJobId: 'dl-1',
    })
    const failed = await waitUntil(
      async () => {
        const v = await json(await core.request(`/v1/videos/${video.id}`, { token: op.accessToken }))
        return v.status === 'failed' && v
      },
      { what: 'the video failed' },
    )
    expect(failed.error).toContain('ElevenLabs said 401')
    expect(failed.error).toContain('3 attempt')
  })
})

describe('files', () => {
  /** A video of `op` finished with a 5000-byte file. */
  async function finished(op: Awaited<ReturnType<typeof operator>>) {
    const video = await json(await op.submit({ script: SCRIPT }))
    const bytes = new Uint8Array(5000).map((_, i) => i % 251)
    await core.deps.storage.put(`videos/${video.id}/video.mp4`, bytes, 'video/mp4')
    await recordVideoCompleted(core, video.id, {
      video: { key: `videos/${video.id}/video.mp4`, contentType: 'video/mp4', size: 5000 },
      thumbnail: { key: `videos/${video.id}/t.jpg`, contentType: 'image/jpeg', size: 1 },
    })
    return { video, bytes }
  }

  test('the MP4 is served with HTTP Range', async () => {
    const op = await operator()
    const { video, bytes } = await finished(op)
    const full = await core.request(`/v1/videos/${video.id}/file`, { token: op.accessToken })
    expect(full.status).toBe(200)
    expect(full.headers.get('accept-ranges')).toBe('bytes')
    expect(full.headers.get('content-type')).toBe('video/mp4')
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(bytes)
    const part = await core.request(`/v1/videos/${video.id}/file`, { token: op.accessToken, headers: { range: 'bytes=100-199' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 100-199/5000')
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(100, 200))
    const tail = await core.request(`/v1/videos/${video.id}/file`, { token: op.accessToken, headers: { range: 'bytes=-10' } })
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(4990))
    const beyond = await core.request(`/v1/videos/${video.id}/file`, { token: op.accessToken, headers: { range: 'bytes=6000-' } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('content-range')).toBe('bytes */5000')
    expect((await core.request(`/v1/videos/${video.id}/thumbnail`, { token: op.accessToken })).status).toBe(404)
  })

  test('a video counts once against expensive_operations however many Range requests play it (seeking is free)', async () => {
    // Another core instance on the same Redis with a small daily download limit.
    const limited = await env.core((c) => ({
      ...c,
      rateLimits: { ...c.rateLimits, expensive_operations: { limit: 2, windowSeconds: 86400 } },
    }))
    const op = await operator()
    const [a, b, c] = [await finished(op), await finished(op), await finished(op)]
    const get = (id: string, range?: string) =>
      limited.request(`/v1/videos/${id}/file`, { token: op.accessToken, headers: range ? { range } : {} })
    // A player: the whole file, then a seek after another, then the start again.
    const statuses: number[] = []
    for (const range of [undefined, 'bytes=0-', 'bytes=2500-', 'bytes=4000-4999', 'bytes=100-199', 'bytes=0-'])
      statuses.push((await get(a.video.id, range)).status)
    expect(statuses).toEqual([200, 206, 206, 206, 206, 206])
    const second = await get(b.video.id, 'bytes=0-')
    expect(second.status).toBe(206)
    expect(second.headers.get('ratelimit-remaining')).toBe('0')
    // The third distinct video of the window is refused; the two counted ones still play.
    const third = await get(c.video.id, 'bytes=0-')
    expect(third.status).toBe(429)
    expect(third.headers.get('content-type')).toContain('application/problem+json')
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await get(a.video.id, 'bytes=1000-')).status).toBe(206)
    expect((await get(b.video.id)).status).toBe(200)
    expect((await get(c.video.id, 'bytes=3000-')).status).toBe(429)
  })
})

describe('cancel', () => {
  test('a queued video is cancelled: its job leaves the queue and the workers see the flag', async () => {
    const op = await operator()
    const video = await json(await op.submit({ script: SCRIPT }))
    expect(await scriptJob(video.id)).toBeDefined()
    const res = await core.request(`/v1/videos/${video.id}/cancel`, { method: 'POST', token: op.accessToken })
    expect(res.status).toBe(200)
    expect((await json(res)).status).toBe('cancelled')
    expect(await scriptJob(video.id)).toBeUndefined()
    expect(await core.deps.pipeline.isCancelled(video.id)).toBe(true)
    expect((await core.request(`/v1/videos/${video.id}/cancel`, { method: 'POST', token: op.accessToken })).status).toBe(409)
  })
})

describe('ownership (BOLA) on every video route', () => {
  test("another user's video answers 404 everywhere and is left alone", async () => {
    const a = await operator()
    const b = await operator()
    const video = await json(await a.submit({ script: SCRIPT }))
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/events'],
      ['POST', '/cancel'],
      ['GET', '/file'],
      ['GET', '/thumbnail'],
      ['GET', '/cost'],
    ] as const) {
      const res = await core.request(`/v1/videos/${video.id}${path}`, { method, token: b.accessToken })
      expect(res.status).toBe(404)
    }
    expect((await json(await core.request(`/v1/videos?channelId=${a.channel.id}`, { token: b.accessToken }))).items).toHaveLength(0)
    expect((await json(await core.request(`/v1/videos/${video.id}`, { token: a.accessToken }))).status).toBe('queued')
  })

  test('a viewer cannot ask for videos', async () => {
    const v = await operator()
    await core.request(`/v1/admin/users/${v.user.id}/role`, { method: 'PATCH', token: admin.accessToken, json: { role: 'viewer' } })
    const login = await signIn(core, v)
    const res = await core.request(`/v1/channels/${v.channel.id}/videos`, {
      method: 'POST',
      token: login.accessToken,
      json: { script: SCRIPT },
    })
    expect(res.status).toBe(403)
    expect((await core.request('/v1/channels', { method: 'POST', token: login.accessToken, json: { name: 'x', niche: 'y' } })).status).toBe(
      403,
    )
  })
})
