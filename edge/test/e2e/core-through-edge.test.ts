/**
 * End to end: `wrangler dev` (workerd) in front of the real core (`bun core/src/main.ts`, with
 * PostgreSQL and Redis), register -> login -> authenticated read through the edge. The core gets a
 * database of its own, so the first account this file registers is the installation's admin.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CORE_MAIN, freePort, freshDatabase, type Running, startCore, startWranglerDev, waitFor } from './processes.ts'

const coreExists = existsSync(CORE_MAIN)

describe.skipIf(!coreExists)('edge in front of the real core', () => {
  const sharedSecret = randomBytes(32).toString('hex')
  let database: ReturnType<typeof freshDatabase>
  let core: Running
  let edge: Running
  /** The installation's admin: the first account registered on its fresh database. */
  let adminEmail: string

  beforeAll(async () => {
    database = freshDatabase()
    // The core tells the edge of ended sessions, so it must know the edge's address before it starts.
    const edgePort = await freePort()
    // These tests log in more often than the auth class's 5 a minute per address allows.
    core = await startCore({
      sharedSecret,
      env: { DATABASE_URL: database.url, EDGE_URL: `http://127.0.0.1:${edgePort}`, RATE_LIMITS: 'auth=100/60' },
    })
    edge = await startWranglerDev({ originUrl: core.url, sharedSecret, port: edgePort, vars: { RATE_LIMIT_OVERRIDES: 'auth=100/minute' } })
    await waitFor(`${edge.url}/health`, edge)
    adminEmail = await register('edge-e2e-admin')
  })

  const password = 'correct horse battery staple!'
  const json = { 'content-type': 'application/json' }

  /** Registers a new account through the edge; answers its e-mail. */
  async function register(tag: string) {
    const email = `${tag}-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`
    const registered = await fetch(`${edge.url}/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password }),
    })
    expect(registered.status, await registered.clone().text()).toBe(201)
    return email
  }

  /** Logs in through the edge; answers the access token. */
  async function logIn(email: string) {
    const res = await fetch(`${edge.url}/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) })
    expect(res.status, await res.clone().text()).toBe(200)
    return ((await res.json()) as { accessToken: string }).accessToken
  }

  /** A new session of the account: its id and the header that carries its access token. */
  async function signIn(email: string) {
    const accessToken = await logIn(email)
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as { sid: string; sub: string }
    return { sid: claims.sid, userId: claims.sub, auth: { authorization: `Bearer ${accessToken}` } }
  }

  /** GET /v1/me through the edge: its status and whether the edge answered from its cache. */
  async function me(auth: Record<string, string>) {
    const res = await fetch(`${edge.url}/v1/me`, { headers: auth })
    await res.arrayBuffer()
    return { status: res.status, xCache: res.headers.get('x-cache') }
  }

  afterAll(async () => {
    await edge?.stop()
    await core?.stop()
    database?.drop()
  })

  it('registers, logs in and reads the account through the edge', async () => {
    const email = await register('edge-e2e')
    const accessToken = await logIn(email)

    const me = await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}`, 'x-request-id': 'e2e-req-1' } })
    expect(me.status, await me.clone().text()).toBe(200)
    const account = (await me.json()) as { id: string; email: string }
    expect(account.email).toBe(email)
    expect(me.headers.get('x-cache')).toBe('MISS')
    expect(me.headers.get('x-request-id')).toBe('e2e-req-1')
    expect(me.headers.get('x-frame-options')).toBe('DENY')
    expect(me.headers.get('ratelimit-limit')).toBe('100')

    // The core marks /v1/me `private, max-age=300`: the edge answers the second read itself.
    const again = await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(again.status).toBe(200)
    expect(again.headers.get('x-cache')).toBe('HIT')
    expect(((await again.json()) as { id: string }).id).toBe(account.id)

    // An API key made through the edge works through the edge (the edge asks the core whose it is).
    const created = await fetch(`${edge.url}/v1/api-keys`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ name: 'edge e2e', scopes: ['read'] }),
    })
    expect(created.status, await created.clone().text()).toBe(201)
    const { key } = (await created.json()) as { key: string }
    const viaKey = await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })
    expect(viaKey.status, await viaKey.clone().text()).toBe(200)
    expect(((await viaKey.json()) as { email: string }).email).toBe(email)
    const badKey = await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${key.slice(0, -4)}xxxx` } })
    expect(badKey.status).toBe(401)

    // A tampered token never reaches the core.
    const [head, payload] = accessToken.split('.')
    const forged = `${head}.${payload}.${'A'.repeat(342)}`
    const refused = await fetch(`${edge.url}/v1/me`, { headers: { authorization: `Bearer ${forged}` } })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
  })

  it('never answers a session from the cache once it has ended: logout, a revoked session, an erased account', async () => {
    const email = await register('edge-e2e-revoke')
    const [a, b, c] = [await signIn(email), await signIn(email), await signIn(email)]
    for (const session of [a, b, c]) {
      expect(await me(session.auth)).toEqual({ status: 200, xCache: 'MISS' })
      expect(await me(session.auth)).toEqual({ status: 200, xCache: 'HIT' })
    }

    const loggedOut = await fetch(`${edge.url}/v1/auth/logout`, { method: 'POST', headers: { ...a.auth, ...json }, body: '{}' })
    expect(loggedOut.status, await loggedOut.clone().text()).toBe(204)
    // The access token is still unexpired and correctly signed; the edge must not answer it from the cache.
    expect(await me(a.auth)).toEqual({ status: 401, xCache: 'MISS' })
    expect(await me(b.auth)).toEqual({ status: 200, xCache: 'HIT' })

    const ended = await fetch(`${edge.url}/v1/me/sessions/${b.sid}`, { method: 'DELETE', headers: c.auth })
    expect(ended.status, await ended.clone().text()).toBe(204)
    expect(await me(b.auth)).toEqual({ status: 401, xCache: 'MISS' })
    expect(await me(c.auth)).toEqual({ status: 200, xCache: 'HIT' })

    const erased = await fetch(`${edge.url}/v1/me`, {
      method: 'DELETE',
      headers: { ...c.auth, ...json },
      body: JSON.stringify({ password }),
    })
    expect(erased.status, await erased.clone().text()).toBe(204)
    expect(await me(c.auth)).toEqual({ status: 401, xCache: 'MISS' })
  })

  it("never answers a session from the cache once an admin has changed its user's role", async () => {
    const admin = await signIn(adminEmail)
    const memberEmail = await register('edge-e2e-role')
    const [first, second] = [await signIn(memberEmail), await signIn(memberEmail)]
    for (const session of [admin, first, second]) {
      expect(await me(session.auth)).toEqual({ status: 200, xCache: 'MISS' })
      expect(await me(session.auth)).toEqual({ status: 200, xCache: 'HIT' })
    }

    const changed = await fetch(`${edge.url}/v1/admin/users/${first.userId}/role`, {
      method: 'PATCH',
      headers: { ...admin.auth, ...json },
      body: JSON.stringify({ role: 'viewer' }),
    })
    expect(changed.status, await changed.clone().text()).toBe(200)
    expect(((await changed.json()) as { role: string }).role).toBe('viewer')
    // Both of the member's tokens are unexpired, correctly signed and carry the old role; the edge
    // must answer neither from the cache. The admin's own sessions go on.
    expect(await me(first.auth)).toEqual({ status: 401, xCache: 'MISS' })
    expect(await me(second.auth)).toEqual({ status: 401, xCache: 'MISS' })
    expect(await me(admin.auth)).toEqual({ status: 200, xCache: 'HIT' })

    // Signed in again, the member is a viewer.
    const again = await fetch(`${edge.url}/v1/me`, { headers: (await signIn(memberEmail)).auth })
    expect(again.status).toBe(200)
    expect(((await again.json()) as { role: string }).role).toBe('viewer')
  })

  it('the core refuses edge headers that the edge did not sign', async () => {
    const ts = String(Math.floor(Date.now() / 1000))
    const res = await fetch(`${core.url}/v1/me`, {
      headers: {
        'x-edge-timestamp': ts,
        'x-edge-client-ip': '203.0.113.1',
        'x-edge-user': '00000000-0000-4000-8000-000000000000',
        'x-request-id': 'forged',
        'x-edge-signature': '0'.repeat(64),
      },
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
})
