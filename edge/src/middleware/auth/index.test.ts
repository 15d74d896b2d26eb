import { exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { accessToken, bearer, edge, json, originHits, PRIVATE_JWK, uniqueId } from '../../../test/helpers'

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
}

/** An admin's token, valid in every claim, signed with `alg` by `key` under the kid of the edge's key set. */
function forgedToken(alg: string, key: CryptoKey | Uint8Array) {
  return new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg, kid: PRIVATE_JWK.kid, typ: 'JWT' })
    .setIssuer('ytempire')
    .setAudience('ytempire-api')
    .setSubject(uniqueId('user'))
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(key)
}

async function expectRefused(token: string, path: string) {
  const res = await edge(path, { headers: bearer(token) })
  expect(res.status).toBe(401)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
  const problem = await json(res)
  expect(problem).toMatchObject({ status: 401, title: 'Unauthorized' })
  // Refused before the origin saw it.
  expect(await originHits(path)).toBe(0)
}

describe('auth', () => {
  it('passes a valid RS256 token and tells the origin who the user is', async () => {
    const user = uniqueId('user')
    const path = `/v1/echo/${uniqueId()}`
    const res = await edge(path, { headers: bearer(await accessToken(user)) })
    expect(res.status).toBe(200)
    const echo = await json<{ edge: { signature: string; user: string } }>(res)
    expect(echo.edge).toMatchObject({ signature: 'valid', user })
  })

  it('fetches the key set once per isolate, not once per request', async () => {
    const before = await originHits('/.well-known/jwks.json')
    for (let i = 0; i < 5; i++) {
      const res = await edge(`/v1/echo/${uniqueId()}`, { headers: bearer(await accessToken(uniqueId('user'))) })
      expect(res.status).toBe(200)
    }
    expect((await originHits('/.well-known/jwks.json')) - before).toBeLessThanOrEqual(1)
  })

  it('passes anonymous requests with an empty user', async () => {
    const res = await edge(`/v1/echo/${uniqueId()}`)
    expect(res.status).toBe(200)
    expect((await json<{ edge: { user: string } }>(res)).edge.user).toBe('')
  })

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await accessToken(uniqueId('user'), { iat: now - 3600, exp: now - 60 })
    await expectRefused(token, `/v1/echo/${uniqueId()}`)
  })

  it('refuses alg: none', async () => {
    const now = Math.floor(Date.now() / 1000)
    const payload = { sub: uniqueId('user'), iss: 'ytempire', aud: 'ytempire-api', iat: now, exp: now + 900 }
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`
    await expectRefused(token, `/v1/echo/${uniqueId()}`)
  })

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const publicKey = await importJWK({ kty: PRIVATE_JWK.kty, n: PRIVATE_JWK.n, e: PRIVATE_JWK.e }, 'RS256')
    const pem = await exportSPKI(publicKey as unknown as CryptoKey)
    await expectRefused(await forgedToken('HS256', new TextEncoder().encode(pem)), `/v1/echo/${uniqueId()}`)
  })

  it('refuses a token from the wrong issuer', async () => {
    await expectRefused(await accessToken(uniqueId('user'), { iss: 'evil' }), `/v1/echo/${uniqueId()}`)
  })

  it('refuses a token for another audience', async () => {
    const token = await accessToken(uniqueId('user'), { aud: 'someone-else' })
    await expectRefused(token, `/v1/echo/${uniqueId()}`)
  })

  it('refuses a token signed by a key not in the JWKS, even under the right kid', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    await expectRefused(await forgedToken('RS256', privateKey), `/v1/echo/${uniqueId()}`)
  })

  it('refuses garbage and non-Bearer credentials', async () => {
    await expectRefused('not-a-jwt', `/v1/echo/${uniqueId()}`)
    const path = `/v1/echo/${uniqueId()}`
    const res = await edge(path, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expect(res.status).toBe(401)
    expect(await originHits(path)).toBe(0)
  })

  it('asks the core about an API key once and remembers its answer', async () => {
    const key = `ytk_good_${crypto.randomUUID().replaceAll('-', '')}`
    const before = await originHits('/v1/me')
    const first = await edge(`/v1/echo/${uniqueId()}`, { headers: bearer(key) })
    const second = await edge(`/v1/echo/${uniqueId()}`, { headers: bearer(key) })
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    // The key travels on to the core, which checks it again; the edge vouches for no user.
    const echo = await json<{ authorization: string; edge: { user: string } }>(second)
    expect(echo.authorization).toBe(`Bearer ${key}`)
    expect(echo.edge.user).toBe('')
    expect((await originHits('/v1/me')) - before).toBe(1)
  })

  it('refuses an API key the core refuses', async () => {
    const path = `/v1/echo/${uniqueId()}`
    const res = await edge(path, { headers: bearer(`ytk_bad_${crypto.randomUUID()}`) })
    expect(res.status).toBe(401)
    expect(await originHits(path)).toBe(0)
  })
})
