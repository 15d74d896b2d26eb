// Billing against a Stripe that speaks Stripe's wire format (fakes/stripe-server.ts), called by the real
// stripe SDK; webhooks signed as Stripe signs them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { and, desc, eq, sql } from 'drizzle-orm'
import { loadConfig } from '../src/config'
import { auditEvents, channels, meterReports, outbox, stripeEvents } from '../src/db/schema'
import { PLAN_EXPIRY_QUEUE } from '../src/modules/billing/service'
import { type FakeStripe, startFakeStripe } from './fakes/stripe-server'
import { type Core, json, recordVideoCompleted, signUp, testEnv } from './harness'

const fake: FakeStripe = await startFakeStripe()
const stripeEnv = {
  NODE_ENV: 'test',
  STRIPE_SECRET_KEY: 'sk_test_ytempire',
  STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
  STRIPE_PRICE_PRO: 'price_pro',
  STRIPE_PRICE_PREMIUM: 'price_premium',
  STRIPE_METERED_PRICE: 'price_per_video',
  STRIPE_METER_EVENT: 'video_completed',
  STRIPE_API_BASE: fake.url,
}
const GRACE_S = 2
const env = await testEnv((c) => ({ ...c, billing: { ...loadConfig(stripeEnv).billing, pastDueGraceS: GRACE_S, meterRetryMs: 50 } }))
let core: Core
let admin: Awaited<ReturnType<typeof signUp>>
beforeAll(async () => {
  core = await env.core((c) => c, { background: true })
  admin = await signUp(core) // the first account is the admin
})
afterAll(() => fake.stop())

const now = () => Math.floor(Date.now() / 1000)
const DAY = 86400
const SCRIPT = { title: 'T', description: '', tags: [], scenes: [{ narration: 'Hello there.', keywords: ['hello'] }] }

/** A signed-up user who went through Checkout once (so they have a Stripe customer). */
async function customer() {
  const s = await signUp(core)
  const res = await core.request('/v1/billing/checkout', { method: 'POST', token: s.accessToken, json: { plan: 'pro' } })
  expect(res.status).toBe(200)
  const c = [...fake.customers.values()].find((x) => (x.metadata as { userId?: string }).userId === s.user.id)
  if (!c) throw new Error('no Stripe customer was created')
  const billing = async () => json(await core.request('/v1/billing', { token: s.accessToken }))
  const plan = async () => (await billing()).plan as string
  return { ...s, customerId: c.id as string, billing, plan }
}

const subscription = (customerId: string, plan: 'pro' | 'premium', status = 'active', extra: { periodEnd?: number; id?: string } = {}) =>
  fake.setSubscription({
    id: extra.id ?? `sub_${customerId}`,
    customer: customerId,
    status,
    price: `price_${plan}`,
    periodStart: now() - 60,
    periodEnd: extra.periodEnd ?? now() + 30 * DAY,
  })

async function deliver(event: object, opts: { timestamp?: number; tamper?: (payload: string) => string } = {}) {
  const payload = JSON.stringify(event)
  const signature = await fake.sign(payload, opts.timestamp)
  return core.request('/webhooks/stripe', {
    method: 'POST',
    body: opts.tamper ? opts.tamper(payload) : payload,
    headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
  })
}

const eventRows = (id: string) => core.deps.database.db.select().from(stripeEvents).where(eq(stripeEvents.id, id))
const planChanges = (userId: string) =>
  core.deps.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), eq(auditEvents.type, 'plan.changed')))
    .orderBy(desc(auditEvents.id))

describe('checkout and portal', () => {
  test('a new account is on the free plan with its entitlements, and billing says it is on', async () => {
    const s = await signUp(core)
    const b = await json(await core.request('/v1/billing', { token: s.accessToken }))
    expect(b).toMatchObject({ billingEnabled: true, plan: 'free', subscription: null })
    expect(b.entitlements).toEqual(env.config.plans.free)
    expect(b.usage).toMatchObject({ videosCompleted: 0, channels: 0, storageBytes: 0 })
  })

  test('the Stripe customer is created once per user, even when checkout and portal race', async () => {
    const s = await signUp(core)
    const calls = await Promise.all([
      core.request('/v1/billing/checkout', { method: 'POST', token: s.accessToken, json: { plan: 'premium' } }),
      core.request('/v1/billing/checkout', { method: 'POST', token: s.accessToken, json: { plan: 'pro' } }),
      core.request('/v1/billing/portal', { method: 'POST', token: s.accessToken }),
    ])
    expect(calls.map((r) => r.status)).toEqual([200, 200, 200])
    const [premium, , portal] = await Promise.all(calls.map((r) => json(r)))
    expect(premium.url).toStartWith('https://checkout.stripe.com/')
    expect(portal.url).toStartWith('https://billing.stripe.com/')
    const mine = [...fake.customers.values()].filter((c) => (c.metadata as { userId?: string }).userId === s.user.id)
    expect(mine).toHaveLength(1)
    const session = fake.checkoutSessions.find((x) => x.id === premium.id)!
    expect(session).toMatchObject({ mode: 'subscription', customer: mine[0]!.id, client_reference_id: s.user.id })
    // The plan's price, then the metered price billed from the meter events.
    expect(session.line_items).toEqual([{ price: 'price_premium', quantity: '1' }, { price: 'price_per_video' }])
  })

  test('checkout is refused while a subscription is live (the portal changes plans), and an unknown plan is named', async () => {
    const c = await customer()
    expect((await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'pro')))).status).toBe(200)
    const again = await core.request('/v1/billing/checkout', { method: 'POST', token: c.accessToken, json: { plan: 'premium' } })
    expect(again.status).toBe(409)
    const bad = await core.request('/v1/billing/checkout', { method: 'POST', token: c.accessToken, json: { plan: 'gold' } })
    expect(bad.status).toBe(422)
    expect((await json(bad)).errors[0].field).toBe('plan')
  })

  test('administrators cannot set plans while Stripe decides them', async () => {
    const s = await signUp(core)
    const res = await core.request(`/v1/admin/users/${s.user.id}/plan`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { plan: 'premium' },
    })
    expect(res.status).toBe(409)
    expect((await json(res)).type).toContain('billing-enabled')
  })
})

describe('the Stripe webhook', () => {
  test('a body changed by one byte, a timestamp 301 s old, or no signature is refused and changes nothing', async () => {
    const c = await customer()
    const event = fake.event('customer.subscription.created', subscription(c.customerId, 'premium'))
    const oneByte = await deliver(event, { tamper: (p) => p.replace('price_premium', 'price_premiun') })
    expect(oneByte.status).toBe(400)
    expect(oneByte.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(oneByte)).type).toContain('invalid-signature')
    const stale = await deliver(event, { timestamp: now() - 301 })
    expect(stale.status).toBe(400)
    expect((await json(stale)).detail).toContain('tolerance')
    const unsigned = await core.request('/webhooks/stripe', {
      method: 'POST',
      body: JSON.stringify(event),
      headers: { 'content-type': 'application/json' },
    })
    expect(unsigned.status).toBe(400)
    expect(await eventRows(event.id)).toHaveLength(0)
    expect(await c.plan()).toBe('free')
    // The same event, signed 290 s ago and unchanged, is applied.
    const ok = await deliver(event, { timestamp: now() - 290 })
    expect(ok.status).toBe(200)
    expect(await json(ok)).toEqual({ received: true, outcome: 'applied' })
    expect(await c.plan()).toBe('premium')
  })

  test('the same event twice, and ten times at once, is applied once', async () => {
    const c = await customer()
    const event = fake.event('customer.subscription.created', subscription(c.customerId, 'pro'))
    expect(await json(await deliver(event))).toMatchObject({ outcome: 'applied' })
    expect(await json(await deliver(event))).toMatchObject({ outcome: 'duplicate' })
    expect(await planChanges(c.user.id)).toHaveLength(1)

    const d = await customer()
    const burst = fake.event('customer.subscription.created', subscription(d.customerId, 'premium'))
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(burst)))
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200))
    const outcomes = (await Promise.all(answers.map((r) => json(r)))).map((b) => b.outcome).sort()
    expect(outcomes).toEqual(['applied', ...Array(9).fill('duplicate')])
    expect(await eventRows(burst.id)).toHaveLength(1)
    expect(await planChanges(d.user.id)).toHaveLength(1)
    expect(await d.plan()).toBe('premium')
  })

  test('`updated` arriving before `created` leaves the newer state', async () => {
    const c = await customer()
    const created = fake.event('customer.subscription.created', { ...subscription(c.customerId, 'pro', 'incomplete') }, now() - 5)
    const current = subscription(c.customerId, 'premium', 'active')
    const updated = fake.event('customer.subscription.updated', current, now())
    expect(await json(await deliver(updated))).toMatchObject({ outcome: 'applied' })
    expect(await c.plan()).toBe('premium')
    // The older event, with its older object, arrives late: it must not roll the subscription back to incomplete.
    expect(await json(await deliver(created))).toMatchObject({ outcome: 'applied' })
    expect(await c.plan()).toBe('premium')
    expect((await c.billing()).subscription).toMatchObject({ status: 'active', plan: 'premium' })
  })

  test('an old `updated` after a newer one changes nothing', async () => {
    const c = await customer()
    const older = fake.event('customer.subscription.updated', { ...subscription(c.customerId, 'pro') }, now() - 10)
    const newer = fake.event('customer.subscription.updated', { ...subscription(c.customerId, 'premium') }, now())
    await deliver(newer)
    expect(await c.plan()).toBe('premium')
    await deliver(older)
    expect(await c.plan()).toBe('premium')
    expect(await planChanges(c.user.id)).toHaveLength(1)
  })

  test('an event for a customer we do not know is recorded and ignored', async () => {
    const event = fake.event('customer.subscription.updated', {
      id: 'sub_nobody',
      object: 'subscription',
      customer: 'cus_nobody',
      status: 'active',
    })
    expect(await json(await deliver(event))).toEqual({ received: true, outcome: 'ignored' })
    expect((await eventRows(event.id))[0]?.outcome).toBe('ignored')
  })

  test('when Stripe cannot be read, nothing is recorded and the redelivery applies the event', async () => {
    const c = await customer()
    const sub = subscription(c.customerId, 'pro')
    const event = fake.event('customer.subscription.created', sub)
    fake.failNext(`/v1/subscriptions/${sub.id}`, 500)
    fake.failNext(`/v1/subscriptions/${sub.id}`, 500)
    fake.failNext(`/v1/subscriptions/${sub.id}`, 500)
    const failed = await deliver(event)
    expect(failed.status).toBe(503)
    expect(await eventRows(event.id)).toHaveLength(0)
    expect(await json(await deliver(event))).toMatchObject({ outcome: 'applied' })
    expect(await c.plan()).toBe('pro')
  })
})

describe('plans follow the subscription', () => {
  test('past_due keeps the plan for the grace period, then downgrades: channels over the limit pause, newest first, and resume on upgrade', async () => {
    const c = await customer()
    const sub = subscription(c.customerId, 'pro')
    await deliver(fake.event('customer.subscription.created', sub))
    expect(await c.plan()).toBe('pro')
    const made: string[] = []
    for (let i = 0; i < 7; i++) {
      const res = await core.request('/v1/channels', { method: 'POST', token: c.accessToken, json: { name: `ch${i}`, niche: 'n' } })
      expect(res.status).toBe(201)
      made.push((await json(res)).id)
    }
    const pastDue = subscription(c.customerId, 'pro', 'past_due')
    await deliver(
      fake.event('invoice.payment_failed', {
        id: 'in_1',
        object: 'invoice',
        customer: c.customerId,
        parent: { type: 'subscription_details', subscription_details: { subscription: pastDue.id } },
      }),
    )
    const during = await c.billing()
    expect(during.plan).toBe('pro')
    expect(during.subscription.status).toBe('past_due')
    expect(Date.parse(during.subscription.graceEndsAt)).toBeGreaterThan(Date.now())

    // The grace period ends without another event: the plan lapses on schedule.
    await waitUntil(async () => (await c.plan()) === 'free', { what: 'the grace period to end' })
    const rows = await core.deps.database.db.select().from(channels).where(eq(channels.userId, c.user.id))
    const paused = rows.filter((r) => r.paused)
    expect(paused.map((r) => r.id).sort()).toEqual(made.slice(5).sort())
    expect(paused.every((r) => r.pausedReason === 'plan_limit')).toBe(true)
    expect(rows).toHaveLength(7) // nothing deleted
    const audit = await planChanges(c.user.id)
    expect(audit.at(0)?.data).toMatchObject({ from: 'pro', to: 'free', reason: 'lapsed' })

    // A paused channel takes no videos, and no channel can be added over the limit.
    const refused = await core.request(`/v1/channels/${made[6]}/videos`, { method: 'POST', token: c.accessToken, json: { script: SCRIPT } })
    expect(refused.status).toBe(403)
    expect(await json(refused)).toMatchObject({ type: expect.stringContaining('plan-limit'), limit: 'channels', plan: 'free' })
    expect((await core.request('/v1/channels', { method: 'POST', token: c.accessToken, json: { name: 'x', niche: 'n' } })).status).toBe(403)

    // Paid again: back to pro, every channel resumes.
    await deliver(
      fake.event('invoice.paid', {
        id: 'in_2',
        object: 'invoice',
        customer: c.customerId,
        parent: { type: 'subscription_details', subscription_details: { subscription: subscription(c.customerId, 'pro').id } },
      }),
    )
    expect(await c.plan()).toBe('pro')
    const after = await core.deps.database.db.select().from(channels).where(eq(channels.userId, c.user.id))
    expect(after.filter((r) => r.paused)).toHaveLength(0)
    const ok = await core.request(`/v1/channels/${made[6]}/videos`, { method: 'POST', token: c.accessToken, json: { script: SCRIPT } })
    expect(ok.status).toBe(202)
  })

  test('a canceled subscription keeps its plan to the end of the paid period, then falls back to free', async () => {
    const c = await customer()
    await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'premium')))
    expect(await c.plan()).toBe('premium')
    const ended = subscription(c.customerId, 'premium', 'canceled', { periodEnd: now() + 2 })
    await deliver(fake.event('customer.subscription.deleted', ended))
    expect(await c.plan()).toBe('premium')
    await waitUntil(async () => (await c.plan()) === 'free', { what: 'the paid period to end' })
  })

  test('a downgrade through the portal takes effect with the subscription', async () => {
    const c = await customer()
    await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'premium')))
    await deliver(
      fake.event('checkout.session.completed', {
        id: 'cs_x',
        object: 'checkout.session',
        customer: c.customerId,
        subscription: `sub_${c.customerId}`,
      }),
    )
    expect(await c.plan()).toBe('premium')
    await deliver(fake.event('customer.subscription.updated', subscription(c.customerId, 'pro')))
    expect(await c.plan()).toBe('pro')
    expect((await c.billing()).entitlements).toEqual(env.config.plans.pro)
  })
})

describe('metered usage', () => {
  test('a completed video is reported to the meter once, even when Stripe answered 500 after recording it', async () => {
    const c = await customer()
    await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'pro')))
    const ch = await json(await core.request('/v1/channels', { method: 'POST', token: c.accessToken, json: { name: 'm', niche: 'n' } }))
    const video = await json(
      await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: c.accessToken, json: { script: SCRIPT } }),
    )
    // Stripe records the event, then the answer is lost: the retry must not bill it again.
    fake.failNext('/v1/billing/meter_events', 500, true)
    const artifact = { key: `videos/${video.id}/video.mp4`, contentType: 'video/mp4', size: 1000 }
    await recordVideoCompleted(core, video.id, {
      durationS: 3,
      video: artifact,
      thumbnail: { ...artifact, key: `videos/${video.id}/thumb.jpg`, contentType: 'image/jpeg' },
    })
    await waitUntil(async () => (await core.deps.database.db.select().from(meterReports).where(eq(meterReports.videoId, video.id)))[0], {
      what: 'the meter report',
    })
    expect(
      fake.requests.filter((r) => r.path === '/v1/billing/meter_events' && r.params.identifier === video.id).length,
    ).toBeGreaterThanOrEqual(2)
    expect([...fake.meterEvents.values()].filter((e) => e.identifier === video.id)).toEqual([
      expect.objectContaining({ event_name: 'video_completed', payload: { stripe_customer_id: c.customerId, value: '1' } }),
    ])
    expect((await c.billing()).usage.videosCompleted).toBe(1)
  })
})

describe('after the commit', () => {
  test("a core killed right after applying an event loses none of the plan change's follow-ups", async () => {
    const c = await customer()
    // The process dies between the commit and the work that follows it: nothing after the commit runs.
    const flush = core.deps.outbox.flush
    core.deps.outbox.flush = async () => {}
    try {
      // Past due from the start: the plan holds for the grace period, and must be looked at again when it ends.
      const res = await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'pro', 'past_due')))
      expect(res.status).toBe(200)
    } finally {
      core.deps.outbox.flush = flush
    }
    expect(await c.plan()).toBe('pro')
    expect(await planChanges(c.user.id)).toHaveLength(1) // written with the change itself
    const lapseQueue = core.deps.jobs.queue<{ userId: string }>(PLAN_EXPIRY_QUEUE)
    const lapseJobs = async () =>
      (await lapseQueue.getJobs(['delayed', 'waiting', 'active', 'completed'])).filter((j) => j?.data.userId === c.user.id)
    expect(await lapseJobs()).toHaveLength(0)
    const left = () => core.deps.database.db.select().from(outbox).where(sql`${outbox.payload}->>'userId' = ${c.user.id}`)
    expect((await left()).map((r) => r.topic).sort()).toEqual(['billing.lapse', 'billing.plan_changed'])

    // Any core instance's relay does the rest, and the grace period ends on time.
    await core.deps.outbox.drain()
    expect(await left()).toHaveLength(0)
    expect(await lapseJobs()).toHaveLength(1)
    await waitUntil(async () => (await c.plan()) === 'free', { what: 'the downgrade when the grace period ends' })
  })
})

describe('account erasure', () => {
  test('deletes the Stripe customer (its subscription ends at once); while Stripe is down nothing is deleted', async () => {
    const c = await customer()
    expect((await deliver(fake.event('customer.subscription.created', subscription(c.customerId, 'pro')))).status).toBe(200)
    expect(await c.plan()).toBe('pro')
    const erase = () => core.request('/v1/me', { method: 'DELETE', token: c.accessToken, json: { password: c.password } })

    // Stripe answers 500 to every try (the SDK's retries included): the account stays, whole.
    for (let i = 0; i < 3; i++) fake.failNext(`/v1/customers/${c.customerId}`)
    const refused = await erase()
    fake.clearFaults()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect((await json(refused)).detail).toContain('nothing was deleted')
    expect(fake.customers.has(c.customerId)).toBe(true)
    expect((await core.request('/v1/me', { token: c.accessToken })).status).toBe(200)

    expect((await erase()).status).toBe(204)
    expect(fake.customers.has(c.customerId)).toBe(false)
    expect(fake.subscriptions.get(`sub_${c.customerId}`)?.status).toBe('canceled')
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/customers/${c.customerId}`).length).toBeGreaterThan(1)
  })
})
