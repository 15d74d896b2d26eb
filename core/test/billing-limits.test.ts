// Without Stripe an administrator sets plans; every plan limit answers 403 problem+json naming the
// limit and the plan, where it applies: channels, videos per day, video length, batches, storage.
import { beforeAll, describe, expect, test } from 'bun:test'
import { PLAN_PRIORITY } from '@ytempire/contract'
import { eq } from 'drizzle-orm'
import { channels } from '../src/db/schema'
import { type Core, json, signUp, testEnv } from './harness'

// Small free-plan limits, so the tests reach them quickly; the other plans keep the table's numbers.
const env = await testEnv((c) => ({
  ...c,
  plans: { ...c.plans, free: { ...c.plans.free, channels: 2, videosPerDay: 3, maxVideoSeconds: 120, storageBytes: 4096 } },
}))
let core: Core
let admin: Awaited<ReturnType<typeof signUp>>
beforeAll(async () => {
  core = await env.core()
  admin = await signUp(core)
})

const SCRIPT = { title: 'T', description: '', tags: [], scenes: [{ narration: 'Hello there.', keywords: ['hello'] }] }
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

async function operator() {
  const s = await signUp(core)
  const channel = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'c', niche: 'n' } }))
  const submit = (body: object, headers: Record<string, string> = {}) =>
    core.request(`/v1/channels/${channel.id}/videos`, { method: 'POST', token: s.accessToken, json: body, headers })
  const setPlan = (plan: string) =>
    core.request(`/v1/admin/users/${s.user.id}/plan`, { method: 'PATCH', token: admin.accessToken, json: { plan } })
  return { ...s, channel, submit, setPlan }
}

async function expectPlanLimit(res: Response, limit: string, plan: string, field?: string) {
  expect(res.status).toBe(403)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const body = await json(res)
  expect(body).toMatchObject({ type: expect.stringContaining('plan-limit'), limit, plan })
  expect(body.detail).toContain(plan)
  if (field) expect(body.errors.map((e: { field: string }) => e.field)).toContain(field)
  return body
}

describe('billing off: administrators set plans', () => {
  test('GET /v1/billing says billing is off; checkout and portal answer 409', async () => {
    const s = await signUp(core)
    expect(await json(await core.request('/v1/billing', { token: s.accessToken }))).toMatchObject({ billingEnabled: false, plan: 'free' })
    const checkout = await core.request('/v1/billing/checkout', { method: 'POST', token: s.accessToken, json: { plan: 'pro' } })
    expect(checkout.status).toBe(409)
    expect((await json(checkout)).type).toContain('billing-disabled')
    expect((await core.request('/v1/billing/portal', { method: 'POST', token: s.accessToken })).status).toBe(409)
  })

  test('only an administrator sets a plan; a downgrade pauses the newest channels, an upgrade resumes them', async () => {
    const op = await operator()
    expect((await op.setPlan('pro')).status).toBe(200)
    const ids = [op.channel.id as string]
    for (const name of ['b', 'c', 'd'])
      ids.push((await json(await core.request('/v1/channels', { method: 'POST', token: op.accessToken, json: { name, niche: 'n' } }))).id)
    const own = await core.request(`/v1/admin/users/${op.user.id}/plan`, {
      method: 'PATCH',
      token: op.accessToken,
      json: { plan: 'premium' },
    })
    expect(own.status).toBe(403)
    const down = await json(await op.setPlan('free'))
    expect(down).toMatchObject({ from: 'pro', to: 'free', resumed: [] })
    expect(down.paused.sort()).toEqual(ids.slice(2).sort())
    const list = await json(await core.request('/v1/channels', { token: op.accessToken }))
    expect(list.filter((c: { paused: boolean }) => c.paused).map((c: { pausedReason: string }) => c.pausedReason)).toEqual([
      'plan_limit',
      'plan_limit',
    ])
    // Deleting a running channel makes room: the oldest paused one resumes.
    expect((await core.request(`/v1/channels/${ids[0]}`, { method: 'DELETE', token: op.accessToken })).status).toBe(204)
    const [third] = await core.deps.database.db.select().from(channels).where(eq(channels.id, ids[2]!))
    expect(third?.paused).toBe(false)
    const up = await json(await op.setPlan('pro'))
    expect(up.resumed).toEqual([ids[3]])
    expect((await json(await core.request('/v1/me', { token: op.accessToken }))).plan).toBe('pro')
    const bad = await op.setPlan('gold')
    expect(bad.status).toBe(422)
    expect((await json(bad)).errors[0].field).toBe('plan')
    const nobody = await core.request(`/v1/admin/users/${crypto.randomUUID()}/plan`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { plan: 'pro' },
    })
    expect(nobody.status).toBe(404)
  })
})

describe('plan limits', () => {
  test('channels', async () => {
    const op = await operator()
    expect((await core.request('/v1/channels', { method: 'POST', token: op.accessToken, json: { name: 'two', niche: 'n' } })).status).toBe(
      201,
    )
    await expectPlanLimit(
      await core.request('/v1/channels', { method: 'POST', token: op.accessToken, json: { name: 'three', niche: 'n' } }),
      'channels',
      'free',
    )
  })

  test('the longest video, by targetSeconds, in a request and in a batch', async () => {
    const op = await operator()
    await expectPlanLimit(await op.submit({ script: SCRIPT, targetSeconds: 121 }), 'maxVideoSeconds', 'free', 'targetSeconds')
    const batch = await core.request(`/v1/channels/${op.channel.id}/videos/batch`, {
      method: 'POST',
      token: op.accessToken,
      json: { videos: [{ script: SCRIPT }, { script: SCRIPT, targetSeconds: 600 }] },
    })
    await expectPlanLimit(batch, 'maxVideoSeconds', 'free', 'videos.1.targetSeconds')
    expect((await op.setPlan('pro')).status).toBe(200)
    expect((await op.submit({ script: SCRIPT, targetSeconds: 600 })).status).toBe(202)
  })

  test('videos per day: single requests, then a batch that would cross the limit is refused whole', async () => {
    const op = await operator()
    expect((await op.submit({ script: SCRIPT })).status).toBe(202)
    const batch = (n: number) =>
      core.request(`/v1/channels/${op.channel.id}/videos/batch`, {
        method: 'POST',
        token: op.accessToken,
        json: { videos: Array.from({ length: n }, () => ({ script: SCRIPT })) },
      })
    await expectPlanLimit(await batch(3), 'videosPerDay', 'free')
    expect((await json(await core.request('/v1/videos', { token: op.accessToken }))).items).toHaveLength(1)
    expect((await batch(2)).status).toBe(202)
    const fourth = await expectPlanLimit(await op.submit({ script: SCRIPT }), 'videosPerDay', 'free')
    expect(fourth.allowed).toBe(3)
    // An Idempotency-Key replay is not a new video, so it still answers at the limit.
    expect((await op.setPlan('pro')).status).toBe(200)
    const submitOnce = () => op.submit({ script: SCRIPT }, { 'idempotency-key': 'k1' })
    expect((await submitOnce()).status).toBe(202)
    expect((await op.setPlan('free')).status).toBe(200)
    expect((await submitOnce()).status).toBe(200)
  })

  test('storage: an upload that does not fit is refused, by its declared length or its real size', async () => {
    const op = await operator()
    const upload = (body: Uint8Array) => core.request('/v1/uploads?name=x.png', { method: 'POST', token: op.accessToken, body })
    const big = new Uint8Array(5000)
    big.set(PNG)
    await expectPlanLimit(await upload(big), 'storageBytes', 'free', 'body')
    expect((await upload(PNG)).status).toBe(201)
    // Streamed without a length: only the real size can tell.
    const fill = new Uint8Array(4096 - PNG.length + 1)
    fill.set(PNG)
    const streamed = await core.request('/v1/uploads?name=y.png', {
      method: 'POST',
      token: op.accessToken,
      body: new Blob([fill]).stream(),
      duplex: 'half',
    } as RequestInit)
    await expectPlanLimit(streamed, 'storageBytes', 'free')
    expect(await json(await core.request('/v1/uploads', { token: op.accessToken }))).toHaveLength(1)
  })

  test("the queue priority comes from the plan's row of the table", async () => {
    const op = await operator()
    expect((await op.setPlan('premium')).status).toBe(200)
    const video = await json(await op.submit({ script: SCRIPT }))
    const job = await core.deps.pipeline.stageJob(video.id, 'script')
    expect(job?.opts.priority).toBe(PLAN_PRIORITY.premium)
    expect(PLAN_PRIORITY.premium).toBe(env.config.plans.premium.queuePriority)
  })
})
