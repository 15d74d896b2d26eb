import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { accessToken, bearer, edge, edgeApp, json, originHits, uniqueId } from '../../../test/helpers'
import { durableObjectCacheIndex } from './durable-object'
import { parseCacheControl, pathIsUnder, routeTtlCap, storagePolicy } from './policy'

async function userHeaders() {
  const user = uniqueId('user')
  return { user, headers: bearer(await accessToken(user)) }
}

describe('edge cache', () => {
  it('answers an authenticated cacheable GET from the cache after the first MISS, without the origin', async () => {
    const { user, headers } = await userHeaders()
    const path = `/v1/private/${uniqueId()}`
    const first = await edge(path, { headers })
    expect(first.status).toBe(200)
    expect(first.headers.get('x-cache')).toBe('MISS')
    const second = await edge(path, { headers })
    expect(second.status).toBe(200)
    expect(second.headers.get('x-cache')).toBe('HIT')
    const body = await second.text()
    expect(body).toBe(await first.text())
    expect(JSON.parse(body).edge.user).toBe(user)
    // The browser is told what the core said; our bookkeeping does not leak.
    expect(second.headers.get('cache-control')).toBe('private, max-age=300')
    expect([...second.headers.keys()].filter((h) => h.startsWith('x-edge-'))).toEqual([])
    expect(await originHits(path)).toBe(1)
  })

  it('never gives user B the body it cached for user A', async () => {
    const a = await userHeaders()
    const b = await userHeaders()
    const path = `/v1/private/${uniqueId()}`
    expect((await edge(path, { headers: a.headers })).headers.get('x-cache')).toBe('MISS')
    expect((await edge(path, { headers: a.headers })).headers.get('x-cache')).toBe('HIT')
    const forB = await edge(path, { headers: b.headers })
    expect(forB.headers.get('x-cache')).toBe('MISS')
    expect((await json<{ edge: { user: string } }>(forB)).edge.user).toBe(b.user)
    // Nor an anonymous caller.
    const anonymous = await edge(path)
    expect(anonymous.headers.get('x-cache')).toBe('MISS')
    expect((await json<{ edge: { user: string } }>(anonymous)).edge.user).toBe('')
    expect(await originHits(path)).toBe(3)
  })

  it('shares public answers among anonymous callers', async () => {
    const path = `/static/${uniqueId()}.js`
    expect((await edge(path, { ip: '192.0.2.1' })).headers.get('x-cache')).toBe('MISS')
    expect((await edge(path, { ip: '192.0.2.2' })).headers.get('x-cache')).toBe('HIT')
    expect(await originHits(path)).toBe(1)
  })

  it('never caches errors, no-store, Set-Cookie, or a private answer to an anonymous caller', async () => {
    const { headers } = await userHeaders()
    for (const prefix of ['/v1/error/', '/v1/nostore/', '/v1/cookie/']) {
      const path = prefix + uniqueId()
      await edge(path, { headers })
      const again = await edge(path, { headers })
      expect(again.headers.get('x-cache')).toBe('MISS')
      expect(await originHits(path)).toBe(2)
    }
    const path = `/v1/private/${uniqueId()}`
    await edge(path)
    expect((await edge(path)).headers.get('x-cache')).toBe('MISS')
    expect(await originHits(path)).toBe(2)
  })

  it('sends Range requests to the origin even when the whole body is cached', async () => {
    const { headers } = await userHeaders()
    const path = `/v1/private/${uniqueId()}`
    await edge(path, { headers })
    expect((await edge(path, { headers })).headers.get('x-cache')).toBe('HIT')
    const ranged = await edge(path, { headers: { ...headers, range: 'bytes=0-9' } })
    expect(ranged.headers.has('x-cache')).toBe(false)
    expect(await originHits(path)).toBe(2)
  })

  it('invalidates what a write names, so the writer reads its own write', async () => {
    const { headers } = await userHeaders()
    const channel = `/v1/private/channels/${uniqueId()}`
    const list = `/v1/private/channels?page=1&n=${uniqueId()}`
    const unrelated = `/v1/private/other/${uniqueId()}`
    for (const path of [channel, list, unrelated]) {
      await edge(path, { headers })
      expect((await edge(path, { headers })).headers.get('x-cache')).toBe('HIT')
    }
    const write = await edge(`/v1/private/rename/${uniqueId()}`, {
      method: 'PATCH',
      headers: { ...headers, 'x-test-invalidate': '/v1/private/channels', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'new' }),
    })
    expect(write.status).toBe(200)
    expect(write.headers.has('x-invalidate')).toBe(false)

    const reread = await edge(channel, { headers })
    expect(reread.headers.get('x-cache')).toBe('MISS')
    expect((await json<{ hit: number }>(reread)).hit).toBe(2)
    expect((await edge(list, { headers })).headers.get('x-cache')).toBe('MISS')
    expect((await edge(unrelated, { headers })).headers.get('x-cache')).toBe('HIT')
  })

  it('invalidates the written path itself even when the core names nothing', async () => {
    const { headers } = await userHeaders()
    const path = `/v1/private/items/${uniqueId()}`
    await edge(path, { headers })
    expect((await edge(path, { headers })).headers.get('x-cache')).toBe('HIT')
    expect((await edge(path, { method: 'DELETE', headers })).status).toBe(200)
    expect((await edge(path, { headers })).headers.get('x-cache')).toBe('MISS')
  })

  it('will not index an answer fetched before a write that covers it (a GET racing a write)', async () => {
    const index = durableObjectCacheIndex(env.CACHE_INDEX)
    const scope = uniqueId('scope')
    const expiresAt = Date.now() + 600_000
    const getStarted = Date.now() - 10
    const entry = (path: string, requestStartedAt: number) => ({ path, credential: 's:1', requestStartedAt, expiresAt })
    expect(await index.register(scope, 'k-before', entry('/v1/channels/1', getStarted - 5_000))).toBe(true)
    expect(await index.invalidate(scope, ['/v1/channels'])).toEqual(['k-before'])
    // Began before the invalidation: its body may predate the write.
    expect(await index.register(scope, 'k-racing', entry('/v1/channels/1?x=1', getStarted))).toBe(false)
    // Not under the prefix, or begun well after it: fine.
    expect(await index.register(scope, 'k-other', entry('/v1/videos/1', getStarted))).toBe(true)
    expect(await index.register(scope, 'k-after', entry('/v1/channels/1', Date.now() + 5_000))).toBe(true)
    expect(await index.invalidate(scope, ['/v1/channels/1'])).toEqual(['k-after'])
  })

  it("invalidates a write's paths for every session and API key of the writer", async () => {
    const user = uniqueId('user')
    const sessionA = bearer(await accessToken(user))
    const sessionB = bearer(await accessToken(user))
    const path = `/v1/private/things/${uniqueId()}`
    for (const headers of [sessionA, sessionB]) {
      expect((await edge(path, { headers })).headers.get('x-cache')).toBe('MISS')
      expect((await edge(path, { headers })).headers.get('x-cache')).toBe('HIT')
    }
    expect((await edge(path, { method: 'PUT', headers: sessionA, body: '{}' })).status).toBe(200)
    expect((await edge(path, { headers: sessionA })).headers.get('x-cache')).toBe('MISS')
    expect((await edge(path, { headers: sessionB })).headers.get('x-cache')).toBe('MISS')
  })

  it('serves a stale answer when the origin fails after the TTL, and nothing stale while fresh', async () => {
    const { headers } = await userHeaders()
    let now = Date.now()
    const app = edgeApp({}, { clock: () => now })
    const path = `/v1/flaky/${uniqueId()}`
    const first = await edge(path, { headers }, app)
    expect(first.headers.get('x-cache')).toBe('MISS')
    expect((await edge(path, { headers }, app)).headers.get('x-cache')).toBe('HIT')

    now += 301_000 // past the 300 s TTL, inside the stale-if-error window (another TTL)
    const stale = await edge(path, { headers }, app)
    expect(stale.status).toBe(200)
    expect(stale.headers.get('x-cache')).toBe('STALE')
    expect(await stale.text()).toBe(await first.text())
    expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(301)
    expect(await originHits(path)).toBe(2)
  })

  it('serves a stale answer when the origin is down', async () => {
    const { headers } = await userHeaders()
    let now = Date.now()
    const path = `/v1/private/${uniqueId()}`
    const healthy = edgeApp({}, { clock: () => now })
    const first = await edge(path, { headers }, healthy)
    expect(first.headers.get('x-cache')).toBe('MISS')

    now += 301_000
    const down = edgeApp({ originUrl: new URL(inject('deadOriginUrl')) }, { clock: () => now })
    const stale = await edge(path, { headers }, down)
    expect(stale.status).toBe(200)
    expect(stale.headers.get('x-cache')).toBe('STALE')
    expect(await stale.text()).toBe(await first.text())
  })

  it("keeps to the route's TTL whatever the core asks for", () => {
    expect(routeTtlCap('/v1/analytics/channels/1')).toBe(60)
    expect(routeTtlCap('/v1/me')).toBe(300)
    expect(routeTtlCap('/static/app.js')).toBe(86_400)
    const long = new Response('{}', { headers: { 'cache-control': 'private, max-age=3600' } })
    expect(storagePolicy(long, 'u:1', '/v1/analytics/x')).toEqual({ ttl: 60, staleIfError: 60 })
    expect(storagePolicy(long, 'u:1', '/v1/channels')).toEqual({ ttl: 300, staleIfError: 300 })
    expect(storagePolicy(long, 'public', '/v1/channels')).toBeNull()
    expect(parseCacheControl('public, max-age=60, stale-if-error=30')).toMatchObject({ public: true, maxAge: 60, staleIfError: 30 })
    expect(pathIsUnder('/v1/channels/1', '/v1/channels')).toBe(true)
    expect(pathIsUnder('/v1/channels?page=2', '/v1/channels')).toBe(true)
    expect(pathIsUnder('/v1/channelsx', '/v1/channels')).toBe(false)
  })

  it('expires an analytics answer after 60 s', async () => {
    const { headers } = await userHeaders()
    let now = Date.now()
    const app = edgeApp({}, { clock: () => now })
    const path = `/v1/analytics/${uniqueId()}`
    await edge(path, { headers }, app)
    now += 59_000
    expect((await edge(path, { headers }, app)).headers.get('x-cache')).toBe('HIT')
    now += 2_000
    expect((await edge(path, { headers }, app)).headers.get('x-cache')).toBe('MISS')
    expect(await originHits(path)).toBe(2)
  })
})
