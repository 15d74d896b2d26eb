import { beforeAll, describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { createSecretBox } from '../src/crypto/secret-box'
import { MAX_PUBLISHED_SIGNING_KEYS } from '../src/crypto/signing-keys'
import { type Core, decodeJwt, json, signUp, testEnv } from './harness'

const env = await testEnv()
let a: Core
let b: Core
let admin: Awaited<ReturnType<typeof signUp>>
beforeAll(async () => {
  a = await env.core()
  b = await env.core()
  admin = await signUp(a)
})

describe('signing-key rotation', () => {
  test('new tokens use the new key; old tokens keep working; both keys are in the JWKS on every instance', async () => {
    const before = await signUp(a)
    const oldKid = decodeJwt(before.accessToken).header.kid
    const rotated = await a.request('/v1/admin/signing-keys/rotate', { method: 'POST', token: admin.accessToken })
    expect(rotated.status).toBe(200)
    const { kid } = await json(rotated)
    expect(kid).not.toBe(oldKid)

    for (const core of [a, b]) {
      // The other instance hears of the new key over pub/sub.
      const kids = await waitUntil(
        async () => {
          const listed: string[] = (await json(await core.request('/.well-known/jwks.json'))).keys.map((k: { kid: string }) => k.kid)
          return listed.includes(kid) && listed
        },
        { what: 'the new key in the JWKS' },
      )
      expect(kids).toContain(oldKid)
      expect((await core.request('/v1/me', { token: before.accessToken })).status).toBe(200)
    }
    const after = await signUp(a)
    expect(decodeJwt(after.accessToken).header.kid).toBe(kid)
    expect((await b.request('/v1/me', { token: after.accessToken })).status).toBe(200)
  })

  test('a key older than the rotation period is rotated by the scheduled check', async () => {
    const core = await env.core()
    expect(await core.deps.keys.rotateIfDue()).toBe(false)
    const aged = await env.core((c) => ({ ...c, jwt: { ...c.jwt, keyRotationDays: 0 } }))
    await Bun.sleep(5)
    const before = aged.deps.keys.jwks().keys.length
    expect(await aged.deps.keys.rotateIfDue()).toBe(true)
    expect(aged.deps.keys.jwks().keys.length).toBe(before + 1)
  })

  test('only admins rotate keys', async () => {
    const m = await signUp(a)
    expect((await a.request('/v1/admin/signing-keys/rotate', { method: 'POST', token: m.accessToken })).status).toBe(403)
  })

  test('rotations are bounded: past MAX_PUBLISHED_SIGNING_KEYS in the JWKS a rotation answers 429 until the oldest retired key expires', async () => {
    const statuses: number[] = []
    let refused: Response | undefined
    for (let i = 0; i < MAX_PUBLISHED_SIGNING_KEYS + 2; i++) {
      const res = await a.request('/v1/admin/signing-keys/rotate', { method: 'POST', token: admin.accessToken })
      statuses.push(res.status)
      if (res.status !== 200) refused = res
    }
    expect(statuses).toContain(200)
    expect(refused?.status).toBe(429)
    const retryAfter = Number(refused!.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(env.config.jwt.accessTtlS + 60)
    expect(refused!.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(await a.request('/.well-known/jwks.json'))).keys.length).toBe(MAX_PUBLISHED_SIGNING_KEYS)
    // Tokens still work, signed by the newest key.
    expect((await a.request('/v1/me', { token: (await signUp(a)).accessToken })).status).toBe(200)
  })
})

describe('secrets at rest (AES-256-GCM with key ids)', () => {
  const k1 = { kid: 'k1', key: crypto.getRandomValues(new Uint8Array(32)) }
  const k2 = { kid: 'k2', key: crypto.getRandomValues(new Uint8Array(32)) }

  test('round-trips, is randomised, and is bound to its context', async () => {
    const box = createSecretBox([k1])
    const s1 = await box.seal('totp-secret', 'mfa:u1')
    const s2 = await box.seal('totp-secret', 'mfa:u1')
    expect(s1).not.toBe(s2)
    expect(s1).not.toContain('totp-secret')
    expect(await box.open(s1, 'mfa:u1')).toBe('totp-secret')
    await expect(box.open(s1, 'mfa:u2')).rejects.toThrow()
  })

  test('tampering is detected', async () => {
    const box = createSecretBox([k1])
    const sealed = await box.seal('value', 'ctx')
    const parts = sealed.split('.')
    const ct = Buffer.from(parts[3]!, 'base64url')
    ct[0] = ct[0]! ^ 1
    parts[3] = ct.toString('base64url')
    await expect(box.open(parts.join('.'), 'ctx')).rejects.toThrow()
  })

  test('after a key rotation old values still open, and are flagged for re-sealing', async () => {
    const old = createSecretBox([k1])
    const sealed = await old.seal('value', 'ctx')
    const rotated = createSecretBox([k2, k1])
    expect(await rotated.open(sealed, 'ctx')).toBe('value')
    expect(rotated.needsRotation(sealed)).toBe(true)
    const resealed = await rotated.seal('value', 'ctx')
    expect(resealed.split('.')[1]).toBe('k2')
    expect(rotated.needsRotation(resealed)).toBe(false)
    await expect(createSecretBox([k1]).open(resealed, 'ctx')).rejects.toThrow()
  })

  test('the admin reseal route re-encrypts signing keys and MFA secrets under the new key', async () => {
    const newKey = { kid: 'k-next', key: crypto.getRandomValues(new Uint8Array(32)) }
    const rotatedCore = await env.core((c) => ({ ...c, secretKeys: [newKey, ...c.secretKeys] }))
    const res = await rotatedCore.request('/v1/admin/secrets/reseal', { method: 'POST', token: admin.accessToken })
    expect(res.status).toBe(200)
    const { resealed } = await json(res)
    expect(resealed.signingKeys).toBeGreaterThan(0)
    const rows = (await rotatedCore.deps.database.db.execute('select private_jwk_enc from signing_keys' as never)) as unknown as {
      private_jwk_enc: string
    }[]
    for (const r of rows) expect(r.private_jwk_enc.split('.')[1]).toBe('k-next')
  })
})
