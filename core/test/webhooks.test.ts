// Outgoing webhooks: a receiver verifying with the `standardwebhooks` npm package accepts our
// signatures; failures are retried with backoff, every attempt logged; private addresses and
// redirects are refused; a delivery can be re-sent; an endpoint failing for days is disabled; a rotated
// secret signs beside the old one for a grace period, then alone.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { and, eq } from 'drizzle-orm'
import { auditEvents, webhookEndpoints, webhookMessages } from '../src/db/schema'
import { movableClock } from '../src/infra/clock'
import { postWebhook, resolvePublic } from '../src/modules/webhooks/transport'
import { startWebhookReceiver, verifies } from './fakes/webhook-receiver'
import { type Core, json, recordVideoCompleted, signUp, testEnv } from './harness'

// The operator's receiver. Each path behaves in its own way; every request is verified and kept.
const receiver = startWebhookReceiver()
const { base, at } = receiver
afterAll(() => receiver.stop())

// Tests deliver to 127.0.0.1 over http (WEBHOOKS_ALLOW_PRIVATE_TARGETS) with a fast backoff; an
// endpoint failing for 1 s counts as "failing for days".
const env = await testEnv((c) => ({ ...c, webhooks: { ...c.webhooks, allowPrivateTargets: true, retryBaseMs: 40, disableAfterS: 1 } }))
// The same database and queues with the production rule: only public https addresses.
const strictEnv = await testEnv()
// The core's "now": the rotation tests move it past the grace period. This core is the only one
// delivering this environment's messages, so its clock decides which secrets sign.
const clock = movableClock()
let core: Core
let strict: Core
let admin: Awaited<ReturnType<typeof signUp>>
beforeAll(async () => {
  core = await env.core((c) => c, { background: true, clock })
  admin = await signUp(core)
  strict = await strictEnv.core((c) => c, { background: true })
})

async function endpoint(
  token: string,
  path: string,
  events: string[] = ['video.completed', 'video.failed', 'billing.plan_changed'],
  on = core,
) {
  const res = await on.request('/v1/webhooks/endpoints', { method: 'POST', token, json: { url: `${base}${path}`, events } })
  expect(res.status).toBe(201)
  const created = await json(res)
  receiver.secret(path, created.secret)
  return created as { id: string; secret: string; url: string }
}

const deliveriesOf = async (token: string, id: string, on = core) =>
  json(await on.request(`/v1/webhooks/endpoints/${id}/deliveries`, { token })) as Promise<Record<string, any>[]>

describe('endpoints', () => {
  test('the secret is shown once as whsec_, stored sealed; list, read, change and delete', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/crud')
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    const [row] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
    expect(row!.secretEnc).not.toContain(e.secret.slice(6))
    expect(await core.deps.box.open(row!.secretEnc, `webhook:${e.id}`)).toBe(e.secret)
    const read = await json(await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken }))
    expect(read.secret).toBeUndefined()
    expect(read).toMatchObject({ enabled: true, events: ['video.completed', 'video.failed', 'billing.plan_changed'] })
    const patched = await json(
      await core.request(`/v1/webhooks/endpoints/${e.id}`, {
        method: 'PATCH',
        token: s.accessToken,
        json: { events: ['ping'], description: 'n8n' },
      }),
    )
    expect(patched).toMatchObject({ events: ['ping'], description: 'n8n' })
    expect(await json(await core.request('/v1/webhooks/endpoints', { token: s.accessToken }))).toHaveLength(1)
    expect((await core.request(`/v1/webhooks/endpoints/${e.id}`, { method: 'DELETE', token: s.accessToken })).status).toBe(204)
    expect((await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken })).status).toBe(404)
  })

  test('validation names the field: unknown event, no events, unknown fields', async () => {
    const s = await signUp(core)
    const cases: [Record<string, unknown>, string][] = [
      [{ url: `${base}/v`, events: ['video.exploded'] }, 'events.0'],
      [{ url: `${base}/v`, events: [] }, 'events'],
      [{ url: `${base}/v`, events: ['ping'], secret: 'mine' }, 'secret'],
    ]
    for (const [body, field] of cases) {
      const res = await core.request('/v1/webhooks/endpoints', { method: 'POST', token: s.accessToken, json: body })
      expect(res.status).toBe(422)
      expect((await json(res)).errors.map((e: { field: string }) => e.field)).toContain(field)
    }
  })

  test('only public https addresses are accepted', async () => {
    const s = await signUp(strict)
    for (const [url, why] of [
      ['http://hooks.example.com/x', 'https'],
      ['https://127.0.0.1/x', 'not a public address'],
      ['https://169.254.169.254/latest/meta-data', 'not a public address'],
      ['https://[::1]/x', 'not a public address'],
      ['https://localhost/x', 'not a public address'],
      ['https://user:pw@hooks.example.com/x', 'credentials'],
    ]) {
      const res = await strict.request('/v1/webhooks/endpoints', { method: 'POST', token: s.accessToken, json: { url, events: ['ping'] } })
      expect(res.status).toBe(422)
      const body = await json(res)
      expect(body.errors[0]).toMatchObject({ field: 'url', message: expect.stringContaining(why!) })
    }
    // A host name is resolved, and refused when any of its addresses is private.
    await expect(resolvePublic('localhost', false)).rejects.toThrow(/non-public address/)
  })

  test("another user's endpoint answers 404 on every route", async () => {
    const a = await signUp(core)
    const b = await signUp(core)
    const e = await endpoint(a.accessToken, '/mine')
    for (const [method, path] of [
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['GET', '/deliveries'],
      ['POST', '/ping'],
      ['POST', `/deliveries/${crypto.randomUUID()}/resend`],
      ['POST', '/secret/rotate'],
    ] as const) {
      const res = await core.request(`/v1/webhooks/endpoints/${e.id}${path}`, {
        method,
        token: b.accessToken,
        json: method === 'PATCH' ? { description: 'x' } : undefined,
      })
      expect(res.status).toBe(404)
    }
    expect((await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: a.accessToken })).status).toBe(200)
    // The other user's rotation changed nothing: the owner's secret still signs alone.
    const [row] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
    expect(await core.deps.box.open(row!.secretEnc, `webhook:${e.id}`)).toBe(e.secret)
    expect(row!.previousSecretEnc).toBeNull()
  })
})

describe('deliveries', () => {
  test('a receiver verifying with the standardwebhooks package accepts our signature (ping)', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/ping')
    const res = await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken })
    expect(res.status).toBe(202)
    const { messageId } = await json(res)
    const got = await waitUntil(() => at('/ping')[0], { what: 'the ping' })
    expect(got).toMatchObject({ id: messageId, verified: true, body: { type: 'ping', data: { endpointId: e.id } } })
    const [d] = await waitUntil(
      async () => {
        const list = await deliveriesOf(s.accessToken, e.id)
        return list.length ? list : undefined
      },
      { what: 'the delivery record' },
    )
    expect(d).toMatchObject({ messageId, eventType: 'ping', attempt: 1, trigger: 'first', succeeded: true, statusCode: 204, error: null })
    expect(d!.latencyMs).toBeGreaterThanOrEqual(0)
  })

  test('video.completed and billing.plan_changed reach the endpoints that asked for them', async () => {
    const s = await signUp(core)
    await endpoint(s.accessToken, '/videos', ['video.completed'])
    const failures = await endpoint(s.accessToken, '/failures', ['video.failed'])
    await endpoint(s.accessToken, '/plans', ['billing.plan_changed'])
    const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'w', niche: 'n' } }))
    const script = { title: 'Done', description: '', tags: [], scenes: [{ narration: 'Hi.', keywords: ['hi'] }] }
    const video = await json(await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } }))
    const artifact = { key: `videos/${video.id}/video.mp4`, contentType: 'video/mp4', size: 10 }
    await recordVideoCompleted(core, video.id, { title: 'Done', durationS: 2, video: artifact, thumbnail: artifact })
    const got = await waitUntil(() => at('/videos')[0], { what: 'video.completed' })
    expect(got.verified).toBe(true)
    expect(got.body).toMatchObject({ type: 'video.completed', data: { video: { id: video.id, status: 'completed', title: 'Done' } } })
    // Emitting stores the messages before it returns: the endpoint that asked only for failures has none.
    const forFailures = await core.deps.database.db.select().from(webhookMessages).where(eq(webhookMessages.endpointId, failures.id))
    expect(forFailures).toHaveLength(0)

    const up = await core.request(`/v1/admin/users/${s.user.id}/plan`, { method: 'PATCH', token: admin.accessToken, json: { plan: 'pro' } })
    expect(up.status).toBe(200)
    const changed = await waitUntil(() => at('/plans')[0], { what: 'billing.plan_changed' })
    expect(changed.body).toMatchObject({ type: 'billing.plan_changed', data: { from: 'free', to: 'pro', reason: 'admin' } })
  })

  test('a 500 is retried with backoff until it succeeds: one record per attempt, one webhook-id, a capped excerpt', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/flaky', ['ping'])
    receiver.failNext('/flaky', 2)
    await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken })
    const list = await waitUntil(
      async () => {
        const l = await deliveriesOf(s.accessToken, e.id)
        return l.some((d) => d.succeeded) ? l : undefined
      },
      { what: 'a successful retry' },
    )
    expect(list.map((d) => [d.attempt, d.trigger, d.statusCode, d.succeeded])).toEqual([
      [3, 'retry', 204, true],
      [2, 'retry', 500, false],
      [1, 'first', 500, false],
    ])
    expect(list[2]!.responseExcerpt).toStartWith('{"error":"temporarily broken"}')
    expect(list[2]!.responseExcerpt.length).toBe(env.config.webhooks.responseExcerptBytes)
    const ids = new Set(at('/flaky').map((r) => r.id))
    expect(ids.size).toBe(1)
    expect(at('/flaky').every((r) => r.verified)).toBe(true)
    const [endpointNow] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
    expect(endpointNow!.failingSince).toBeNull()
  })

  test('a redirect is an answer, never followed', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/redirect', ['ping'])
    await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken })
    const [first] = await waitUntil(
      async () => {
        const l = await deliveriesOf(s.accessToken, e.id)
        return l.length ? l : undefined
      },
      { what: 'the first attempt' },
    )
    expect(first).toMatchObject({ statusCode: 302, succeeded: false })
    expect(at('/landing')).toHaveLength(0)
    await core.request(`/v1/webhooks/endpoints/${e.id}`, { method: 'DELETE', token: s.accessToken })
  })

  test('a private address is refused at delivery too (DNS may change after the check), and never contacted', async () => {
    const s = await signUp(strict)
    // An endpoint saved while its address passed the check now points into our network.
    const id = crypto.randomUUID()
    await strict.deps.database.db.insert(webhookEndpoints).values({
      id,
      userId: s.user.id,
      url: `${base}/private`,
      events: ['ping'],
      secretEnc: await strict.deps.box.seal('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `webhook:${id}`),
    })
    await strict.request(`/v1/webhooks/endpoints/${id}/ping`, { method: 'POST', token: s.accessToken })
    const [d] = await waitUntil(
      async () => {
        const l = await deliveriesOf(s.accessToken, id, strict)
        return l.length ? l : undefined
      },
      { what: 'the refused attempt' },
    )
    expect(d).toMatchObject({ succeeded: false, statusCode: null, error: expect.stringContaining('refused') })
    // Refused addresses are not tried again.
    const [message] = await waitUntil(
      async () => {
        const m = await strict.deps.database.db.select().from(webhookMessages).where(eq(webhookMessages.endpointId, id))
        return m[0]?.status === 'failed' ? m : undefined
      },
      { what: 'the message to fail' },
    )
    expect(message!.attempts).toBe(1)
    expect(at('/private')).toHaveLength(0)
    // The transport refuses a private address whatever the scheme.
    const direct = await postWebhook(`https://127.0.0.1:${receiver.port}/private`, {}, '{}', {
      allowPrivateTargets: false,
      timeoutMs: 1000,
      excerptBytes: 10,
    })
    expect(direct).toMatchObject({ refused: true, error: expect.stringContaining('not a public address') })
  })

  test('a delivery can be re-sent: one more attempt with the same webhook-id', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/resend', ['ping'])
    const { messageId } = await json(await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken }))
    const [first] = await waitUntil(
      async () => {
        const l = await deliveriesOf(s.accessToken, e.id)
        return l.length ? l : undefined
      },
      { what: 'the first delivery' },
    )
    const res = await core.request(`/v1/webhooks/endpoints/${e.id}/deliveries/${first!.id}/resend`, {
      method: 'POST',
      token: s.accessToken,
    })
    expect(res.status).toBe(202)
    const list = await waitUntil(
      async () => {
        const l = await deliveriesOf(s.accessToken, e.id)
        return l.length === 2 ? l : undefined
      },
      { what: 'the re-sent delivery' },
    )
    expect(list[0]).toMatchObject({ messageId, attempt: 2, trigger: 'resend', succeeded: true })
    expect(at('/resend').map((r) => r.id)).toEqual([messageId, messageId])
  })

  test('an endpoint failing for days is disabled, its owner told in the audit log, and can be re-enabled', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/down', ['ping'])
    await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken })
    const disabled = await waitUntil(
      async () => {
        const now = await json(await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken }))
        return now.enabled ? undefined : now
      },
      { what: 'the endpoint to be disabled' },
    )
    expect(disabled.disabledReason).toContain('failed')
    expect(disabled.disabledAt).toBeTruthy()
    const told = await core.deps.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, s.user.id), eq(auditEvents.type, 'webhook_endpoint.disabled')))
    expect(told).toHaveLength(1)
    expect(told[0]!.data).toMatchObject({ endpointId: e.id })
    const audit = await json(await core.request('/v1/me/audit', { token: s.accessToken }))
    expect(JSON.stringify(audit)).toContain('webhook_endpoint.disabled')
    const ping = await core.request(`/v1/webhooks/endpoints/${e.id}/ping`, { method: 'POST', token: s.accessToken })
    expect(ping.status).toBe(409)
    // Re-enabling clears the failure.
    const again = await json(
      await core.request(`/v1/webhooks/endpoints/${e.id}`, { method: 'PATCH', token: s.accessToken, json: { enabled: true } }),
    )
    expect(again).toMatchObject({ enabled: true, disabledReason: null, failingSince: null })
    await core.request(`/v1/webhooks/endpoints/${e.id}`, { method: 'DELETE', token: s.accessToken })
  })
})

describe('secret rotation', () => {
  const rotate = (token: string, id: string) => core.request(`/v1/webhooks/endpoints/${id}/secret/rotate`, { method: 'POST', token })
  const pingAndReceive = async (token: string, id: string, path: string) => {
    const { messageId } = await json(await core.request(`/v1/webhooks/endpoints/${id}/ping`, { method: 'POST', token }))
    return waitUntil(() => at(path).find((r) => r.id === messageId), { what: `the ping ${messageId}` })
  }

  test('during the grace both the old and the new secret verify; after it only the new one, and the old is dropped', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/rotate', ['ping'])
    const res = await rotate(s.accessToken, e.id)
    expect(res.status).toBe(200)
    const rotated = await json(res)
    expect(rotated.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(rotated.secret).not.toBe(e.secret)
    const graceMs = env.config.webhooks.rotationGraceS * 1000
    expect(graceMs).toBe(24 * 3600_000)
    const until = Date.parse(rotated.previousSecretExpiresAt)
    expect(until - clock()).toBeGreaterThan(graceMs - 60_000)
    expect(until - clock()).toBeLessThanOrEqual(graceMs)

    // The old secret is kept sealed, bound to this row as the *previous* secret.
    const [row] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
    expect(row!.previousSecretEnc).not.toContain(e.secret.slice(6))
    expect(await core.deps.box.open(row!.previousSecretEnc!, `webhook-previous:${e.id}`)).toBe(e.secret)
    await expect(core.deps.box.open(row!.previousSecretEnc!, `webhook:${e.id}`)).rejects.toThrow()
    expect(await core.deps.box.open(row!.secretEnc, `webhook:${e.id}`)).toBe(rotated.secret)

    // The receiver still holds only the old secret (registered at creation): it verifies, and so would one holding only the new.
    const during = await pingAndReceive(s.accessToken, e.id, '/rotate')
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(during.verified).toBe(true)
    expect(verifies(during, e.secret)).toBe(true)
    expect(verifies(during, rotated.secret)).toBe(true)
    expect(verifies(during, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false)

    clock.set(until + 1000)
    try {
      // Emitted as other modules do (no request reads the endpoint first): the delivery alone decides.
      const [messageId] = await core.services.webhooks.emit(s.user.id, 'ping', { endpointId: e.id })
      const after = await waitUntil(() => at('/rotate').find((r) => r.id === messageId), { what: 'the ping after the grace' })
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1)
      expect(verifies(after, e.secret)).toBe(false)
      expect(after.verified).toBe(false)
      expect(verifies(after, rotated.secret)).toBe(true)
      const [dropped] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
      expect(dropped).toMatchObject({ previousSecretEnc: null, previousSecretExpiresAt: null })
      const read = await json(await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken }))
      expect(read.previousSecretExpiresAt).toBeNull()
    } finally {
      clock.set(Date.now())
    }
  })

  test('the new secret is shown once: reading the endpoint never returns it; the rotation is in the audit log', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/rotate-once', ['ping'])
    const rotated = await json(await rotate(s.accessToken, e.id))
    const read = await json(await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken }))
    const list = await json(await core.request('/v1/webhooks/endpoints', { token: s.accessToken }))
    for (const view of [read, list[0]]) {
      expect(view.secret).toBeUndefined()
      expect(view).toMatchObject({ id: e.id, previousSecretExpiresAt: rotated.previousSecretExpiresAt })
    }
    for (const secret of [rotated.secret, e.secret]) {
      expect(JSON.stringify([read, list])).not.toContain(secret.slice(6))
    }
    const [entry] = await core.deps.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, s.user.id), eq(auditEvents.type, 'webhook_endpoint.secret_rotated')))
    expect(entry!.data).toMatchObject({ endpointId: e.id, previousSecretExpiresAt: rotated.previousSecretExpiresAt })
    expect(JSON.stringify(entry)).not.toContain(rotated.secret.slice(6))

    // Past the grace, with nothing delivered meanwhile, reading the endpoint drops the old secret.
    clock.set(Date.parse(rotated.previousSecretExpiresAt) + 1000)
    try {
      const later = await json(await core.request(`/v1/webhooks/endpoints/${e.id}`, { token: s.accessToken }))
      expect(later.previousSecretExpiresAt).toBeNull()
      const [row] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
      expect(row).toMatchObject({ previousSecretEnc: null, previousSecretExpiresAt: null })
    } finally {
      clock.set(Date.now())
    }
  })

  test('rotating again within the grace keeps only the last two secrets signing', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/rotate-twice', ['ping'])
    const second = await json(await rotate(s.accessToken, e.id))
    const third = await json(await rotate(s.accessToken, e.id))
    const got = await pingAndReceive(s.accessToken, e.id, '/rotate-twice')
    expect(verifies(got, third.secret)).toBe(true)
    expect(verifies(got, second.secret)).toBe(true)
    expect(verifies(got, e.secret)).toBe(false)
  })

  test('a reseal under a new key re-seals the old secret too, still bound to its row as the previous one', async () => {
    const s = await signUp(core)
    const e = await endpoint(s.accessToken, '/rotate-reseal', ['ping'])
    const rotated = await json(await rotate(s.accessToken, e.id))
    // Last in the file: every endpoint is re-sealed under a key only this core holds.
    const newKey = { kid: 'k-next', key: crypto.getRandomValues(new Uint8Array(32)) }
    const resealing = await env.core((c) => ({ ...c, secretKeys: [newKey, ...c.secretKeys] }))
    expect(await resealing.services.webhooks.reseal()).toBeGreaterThanOrEqual(2)
    const [row] = await core.deps.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, e.id))
    expect(row!.secretEnc.split('.')[1]).toBe('k-next')
    expect(row!.previousSecretEnc!.split('.')[1]).toBe('k-next')
    expect(await resealing.deps.box.open(row!.previousSecretEnc!, `webhook-previous:${e.id}`)).toBe(e.secret)
    expect(await resealing.deps.box.open(row!.secretEnc, `webhook:${e.id}`)).toBe(rotated.secret)
  })
})
