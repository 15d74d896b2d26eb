import { describe, expect, test } from 'bun:test'
import { json, signUp, testCore, totp } from './harness'

const { core } = await testCore()

describe('GDPR', () => {
  test('export returns all of the user’s data and no secrets', async () => {
    const s = await signUp(core)
    const key = await json(
      await core.request('/v1/api-keys', { method: 'POST', token: s.accessToken, json: { name: 'export-me', scopes: ['read'] } }),
    )
    const { secret } = await json(await core.request('/v1/auth/mfa/enroll', { method: 'POST', token: s.accessToken }))
    await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(secret) } })
    const res = await core.request('/v1/me/export', { token: s.accessToken })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('attachment')
    const data = await json(res)
    expect(data.user.email).toBe(s.email)
    expect(data.apiKeys.map((k: { id: string }) => k.id)).toEqual([key.id])
    expect(data.mfa.enabled).toBe(true)
    expect(data.mfa.recoveryCodes).toHaveLength(10)
    expect(data.sessions.length).toBeGreaterThan(0)
    expect(data.auditLog.map((a: { type: string }) => a.type)).toEqual(
      expect.arrayContaining(['user.registered', 'login.succeeded', 'api_key.created', 'mfa.enabled']),
    )
    const text = JSON.stringify(data)
    for (const leaked of [secret, key.key, s.refreshToken, 'argon2']) expect(text).not.toContain(leaked)
  })

  test('delete erases the account and everything hanging off it', async () => {
    const s = await signUp(core)
    await core.request('/v1/api-keys', { method: 'POST', token: s.accessToken, json: { name: 'gone', scopes: ['read'] } })
    expect((await core.request('/v1/me', { method: 'DELETE', token: s.accessToken, json: { password: 'not the password!' } })).status).toBe(
      422,
    )
    expect((await core.request('/v1/me', { method: 'DELETE', token: s.accessToken, json: { password: s.password } })).status).toBe(204)
    const db = core.deps.database.db
    for (const table of ['users where id', 'api_keys where user_id', 'token_families where user_id', 'audit_events where user_id']) {
      const rows = (await db.execute(`select 1 from ${table} = '${s.user.id}'` as never)) as unknown as unknown[]
      expect(rows).toHaveLength(0)
    }
    expect((await core.request('/v1/me', { token: s.accessToken })).status).toBe(401)
    expect((await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })).status).toBe(401)
  })
})
