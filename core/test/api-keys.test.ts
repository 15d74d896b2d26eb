import { describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { json, signUp, testCore } from './harness'

const { env, core } = await testCore()

const createKey = (token: string, body: Record<string, unknown>) => core.request('/v1/api-keys', { method: 'POST', token, json: body })

describe('API keys', () => {
  test('created once, listed without the secret, stored hashed, usable as a Bearer credential', async () => {
    const s = await signUp(core)
    const res = await createKey(s.accessToken, { name: 'ci', scopes: ['read', 'write'] })
    expect(res.status).toBe(201)
    const created = await json(res)
    expect(created.key).toMatch(/^ytk_[0-9a-f]{16}_.{20,}$/)
    const list = await json(await core.request('/v1/api-keys', { token: s.accessToken }))
    expect(list).toHaveLength(1)
    expect(JSON.stringify(list)).not.toContain(created.key.slice(21))
    const rows = (await core.deps.database.db.execute(
      `select secret_hash from api_keys where id = '${created.id}'` as never,
    )) as unknown as { secret_hash: string }[]
    expect(rows[0]!.secret_hash).not.toContain(created.key.slice(21))

    const me = await core.request('/v1/me', { token: created.key })
    expect(me.status).toBe(200)
    expect((await json(me)).id).toBe(s.user.id)
  })

  test('last-used time is recorded', async () => {
    const s = await signUp(core)
    const created = await json(await createKey(s.accessToken, { name: 'used', scopes: ['read'] }))
    expect(created.lastUsedAt).toBeNull()
    await core.request('/v1/me', { token: created.key })
    // Recorded in the background, off the request's path.
    const listed = await waitUntil(
      async () => {
        const [key] = await json(await core.request('/v1/api-keys', { token: s.accessToken }))
        return key.lastUsedAt !== null && key
      },
      { what: 'lastUsedAt recorded' },
    )
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThan(Date.parse(created.createdAt) - 1000)
  })

  test('scopes are enforced: a read-only key cannot write', async () => {
    const s = await signUp(core)
    const ro = await json(await createKey(s.accessToken, { name: 'ro', scopes: ['read'] }))
    expect((await core.request('/v1/api-keys', { token: ro.key })).status).toBe(200)
    const write = await createKey(ro.key, { name: 'escalate', scopes: ['read'] })
    expect(write.status).toBe(403)
  })

  test('a key cannot be granted more than the role allows', async () => {
    const s = await signUp(core)
    expect((await createKey(s.accessToken, { name: 'adm', scopes: ['admin'] })).status).toBe(403)
  })

  test('revocation takes effect at once, also on another core instance', async () => {
    const other = await env.core()
    const s = await signUp(core)
    const created = await json(await createKey(s.accessToken, { name: 'temp', scopes: ['read'] }))
    expect((await other.request('/v1/me', { token: created.key })).status).toBe(200)
    expect((await core.request(`/v1/api-keys/${created.id}`, { method: 'DELETE', token: s.accessToken })).status).toBe(204)
    expect((await core.request('/v1/me', { token: created.key })).status).toBe(401)
    // The other instance forgets its cached key when the revocation reaches it over pub/sub.
    await waitUntil(async () => (await other.request('/v1/me', { token: created.key })).status === 401, {
      what: 'the key refused on the other instance',
    })
  })

  test("another user's key answers 404, and stays valid", async () => {
    const a = await signUp(core)
    const b = await signUp(core)
    const key = await json(await createKey(a.accessToken, { name: 'mine', scopes: ['read'] }))
    const res = await core.request(`/v1/api-keys/${key.id}`, { method: 'DELETE', token: b.accessToken })
    expect(res.status).toBe(404)
    expect((await core.request('/v1/me', { token: key.key })).status).toBe(200)
  })

  test('a wrong secret for a real key id is refused', async () => {
    const s = await signUp(core)
    const key = await json(await createKey(s.accessToken, { name: 'x', scopes: ['read'] }))
    const forged = key.key.slice(0, 21) + 'A'.repeat(43)
    expect((await core.request('/v1/me', { token: forged })).status).toBe(401)
  })
})
