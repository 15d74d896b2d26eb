import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { accessToken, bearer, edge, edgeApp, json, originHits, uniqueId } from '../../test/helpers'
import { type CacheIndexStore, durableObjectCacheIndex, sessionCredential, userScope } from '../middleware/cache'
import { REVOCATIONS_PATH, revocationSigningInput } from './revocation'

async function hmacHex(secret: string, input: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input)))
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Sends a revocation as the core does (docs/contracts.md); `forge` changes what is signed or sent. */
async function revoke(
  notice: unknown,
  forge: { secret?: string; timestamp?: number; signature?: string } = {},
  target?: Parameters<typeof edge>[2],
): Promise<Response> {
  const body = JSON.stringify(notice)
  const timestamp = String(forge.timestamp ?? Math.floor(Date.now() / 1000))
  const signature = forge.signature ?? (await hmacHex(forge.secret ?? inject('sharedSecret'), revocationSigningInput(timestamp, body)))
  return edge(
    REVOCATIONS_PATH,
    {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-edge-timestamp': timestamp, 'x-edge-signature': signature },
    },
    target,
  )
}

/** A user with one session: its id, session id and Authorization header. */
async function session(user = uniqueId('user')) {
  const sid = uniqueId('sid')
  return { user, sid, headers: bearer(await accessToken(user, { sid })) }
}

async function xCache(path: string, headers: HeadersInit, target?: Parameters<typeof edge>[2]) {
  return (await edge(path, { headers }, target)).headers.get('x-cache')
}

describe('revocations from the core', () => {
  it('never answers a revoked session from the cache again', async () => {
    const a = await session()
    const path = `/v1/private/${uniqueId()}`
    expect(await xCache(path, a.headers)).toBe('MISS')
    expect(await xCache(path, a.headers)).toBe('HIT')

    const res = await revoke({ user: a.user, sessions: [a.sid] })
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({ purged: 1 })

    // The same, still unexpired token goes to the core (which refuses an ended session), every time.
    expect(await xCache(path, a.headers)).toBe('MISS')
    expect(await xCache(path, a.headers)).toBe('MISS')
    expect(await originHits(path)).toBe(3)
  })

  it("keeps each session's answers apart, so the user's other sessions keep theirs", async () => {
    const a = await session()
    const b = await session(a.user)
    const path = `/v1/private/${uniqueId()}`
    expect(await xCache(path, a.headers)).toBe('MISS')
    // Not A's entry: B's own request reaches the core.
    expect(await xCache(path, b.headers)).toBe('MISS')
    expect(await xCache(path, b.headers)).toBe('HIT')
    expect((await revoke({ user: a.user, sessions: [a.sid] })).status).toBe(200)
    expect(await xCache(path, a.headers)).toBe('MISS')
    expect(await xCache(path, b.headers)).toBe('HIT')
  })

  it("drops every entry of the user (sessions and API keys) when told 'everything'", async () => {
    const a = await session()
    const key = `ytk_good_${crypto.randomUUID().replaceAll('-', '')}`
    const owner = `owner-of-${key.slice('ytk_good_'.length)}`
    const viaKey = bearer(key)
    const b = await session(owner)
    const path = `/v1/private/${uniqueId()}`
    for (const headers of [viaKey, b.headers]) {
      expect(await xCache(path, headers)).toBe('MISS')
      expect(await xCache(path, headers)).toBe('HIT')
    }
    const res = await revoke({ user: owner, sessions: [b.sid], everything: true })
    expect(await json(res)).toEqual({ purged: 2 })
    expect(await xCache(path, viaKey)).toBe('MISS')
    expect(await xCache(path, b.headers)).toBe('MISS')
    // Another user's entries are untouched.
    expect(await xCache(path, a.headers)).toBe('MISS')
    expect(await xCache(path, a.headers)).toBe('HIT')
  })

  it('bounds a revocation that reaches the index but not this location: served until the lease runs out, never after', async () => {
    let now = Date.now()
    const app = edgeApp({ sessionRecheckSeconds: 10 }, { clock: () => now })
    const a = await session()
    const path = `/v1/private/${uniqueId()}`
    expect(await xCache(path, a.headers, app)).toBe('MISS')
    expect(await xCache(path, a.headers, app)).toBe('HIT')
    // As if the core's call had landed in another location: the index knows, this cache still holds the entry.
    await durableObjectCacheIndex(env.CACHE_INDEX).revoke(userScope(a.user), { credentials: [sessionCredential(a.sid)], everything: false })
    now += 9_000
    expect(await xCache(path, a.headers, app)).toBe('HIT')
    now += 1_000
    expect(await xCache(path, a.headers, app)).toBe('MISS')
  })

  it('asks the index once per lease, not on every hit', async () => {
    const real = durableObjectCacheIndex(env.CACHE_INDEX)
    const asked: string[] = []
    const counting: CacheIndexStore = {
      ...real,
      isRevoked: (scope, credential) => {
        asked.push(credential)
        return real.isRevoked(scope, credential)
      },
    }
    let now = Date.now()
    const app = edgeApp({ sessionRecheckSeconds: 10 }, { cacheIndex: counting, clock: () => now })
    const a = await session()
    const path = `/v1/private/${uniqueId()}`
    expect(await xCache(path, a.headers, app)).toBe('MISS')
    for (let i = 0; i < 5; i++) expect(await xCache(path, a.headers, app)).toBe('HIT')
    expect(asked).toEqual([sessionCredential(a.sid)])
    // Past half the lease, a hit renews it in the background; the next hits do not wait.
    now += 6_000
    for (let i = 0; i < 3; i++) expect(await xCache(path, a.headers, app)).toBe('HIT')
    expect(asked).toHaveLength(2)
  })

  it('never stores an answer that was in flight when its session was revoked', async () => {
    const index = durableObjectCacheIndex(env.CACHE_INDEX)
    const scope = userScope(uniqueId('user'))
    const credential = sessionCredential(uniqueId('sid'))
    const startedAt = Date.now()
    await index.revoke(scope, { credentials: [credential], everything: false })
    const entry = { path: '/v1/me', credential, requestStartedAt: startedAt, expiresAt: Date.now() + 600_000 }
    expect(await index.register(scope, 'k-late', entry)).toBe(false)
    expect(await index.isRevoked(scope, credential)).toBe(true)
    // Another session, and a request begun after an 'everything' revocation, are fine.
    expect(await index.register(scope, 'k-other', { ...entry, credential: sessionCredential(uniqueId('sid')) })).toBe(true)
    await index.revoke(scope, { credentials: [], everything: true })
    expect(await index.register(scope, 'k-before', { ...entry, credential: 's:x', requestStartedAt: Date.now() - 5_000 })).toBe(false)
    expect(await index.register(scope, 'k-after', { ...entry, credential: 's:x', requestStartedAt: Date.now() + 5_000 })).toBe(true)
  })

  it('does not answer a token without a session id from the cache', async () => {
    const headers = bearer(await accessToken(uniqueId('user'), { sid: undefined }))
    const path = `/v1/private/${uniqueId()}`
    // Passed to the core each time, like any request the cache does not take part in.
    expect(await xCache(path, headers)).toBeNull()
    expect(await xCache(path, headers)).toBeNull()
    expect(await originHits(path)).toBe(2)
  })

  it('refuses a revocation that is unsigned, forged, stale or signed with another secret', async () => {
    const a = await session()
    const path = `/v1/private/${uniqueId()}`
    await edge(path, { headers: a.headers })
    const notice = { user: a.user, sessions: [a.sid] }
    const attempts = [
      await revoke(notice, { signature: '' }),
      await revoke(notice, { signature: '00'.repeat(32) }),
      await revoke(notice, { secret: 'another-secret-of-enough-length' }),
      await revoke(notice, { timestamp: Math.floor(Date.now() / 1000) - 120 }),
    ]
    for (const res of attempts) {
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    expect(await xCache(path, a.headers)).toBe('HIT')
    // Never forwarded: the core has no such route.
    expect(await originHits(REVOCATIONS_PATH)).toBe(0)
  })

  it('answers 422 naming the field for a malformed notice', async () => {
    for (const [notice, field] of [
      [[], 'body'],
      [{ sessions: [] }, 'user'],
      [{ user: 'u', sessions: 'all' }, 'sessions'],
      [{ user: 'u', sessions: ['ok', 7] }, 'sessions[1]'],
      [{ user: 'u', sessions: [], everything: 'yes' }, 'everything'],
    ] as const) {
      const res = await revoke(notice)
      expect(res.status).toBe(422)
      expect(await json(res)).toMatchObject({ status: 422, errors: [{ field }] })
    }
  })
})
