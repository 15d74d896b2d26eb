// What a leaked API key must never do: take the account over or lock its owner out. Those routes
// need a session from a password sign-in; an admin has an audited way to reset someone's MFA.
import { describe, expect, test } from 'bun:test'
import { json, signUp, testCore, totp } from './harness'

const { core, admin } = await testCore()

async function keyFor(token: string, scopes: string[]) {
  const res = await core.request('/v1/api-keys', { method: 'POST', token, json: { name: 'key', scopes } })
  expect(res.status).toBe(201)
  return (await json(res)).key as string
}

async function withMfa(s: Awaited<ReturnType<typeof signUp>>) {
  const { secret } = await json(await core.request('/v1/auth/mfa/enroll', { method: 'POST', token: s.accessToken }))
  const res = await core.request('/v1/auth/mfa/confirm', { method: 'POST', token: s.accessToken, json: { code: totp(secret) } })
  expect(res.status).toBe(200)
  return secret as string
}

const expectNeedsSession = async (res: Response) => {
  expect(res.status).toBe(403)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const problem = await json(res)
  expect(problem.type).toEndWith('/interactive-session-required')
  expect(problem.detail).toContain('password sign-in')
}

describe('account-changing routes need a password session, never an API key', () => {
  test('a leaked read-only key cannot turn MFA on with its own secret', async () => {
    const s = await signUp(core)
    const key = await keyFor(s.accessToken, ['read'])
    await expectNeedsSession(await core.request('/v1/auth/mfa/enroll', { method: 'POST', token: key }))
    expect((await json(await core.request('/v1/me', { token: s.accessToken }))).mfaEnabled).toBe(false)
    // The owner's own session still enrolls.
    expect((await core.request('/v1/auth/mfa/enroll', { method: 'POST', token: s.accessToken })).status).toBe(200)
  })

  test('every such route refuses even a key with every scope', async () => {
    const key = await keyFor(admin.accessToken, ['read', 'write', 'admin'])
    const [session] = await json(await core.request('/v1/me/sessions', { token: admin.accessToken }))
    const attempts: [string, RequestInit & { json?: unknown }][] = [
      ['/v1/auth/mfa/enroll', { method: 'POST' }],
      ['/v1/auth/mfa/confirm', { method: 'POST', json: { code: '123456' } }],
      ['/v1/auth/mfa/disable', { method: 'POST', json: { code: '123456' } }],
      ['/v1/me/password', { method: 'POST', json: { currentPassword: admin.password, newPassword: 'another long pass!' } }],
      [`/v1/me/sessions/${session.id}`, { method: 'DELETE' }],
      ['/v1/me', { method: 'DELETE', json: { password: admin.password } }],
      ['/v1/api-keys', { method: 'POST', json: { name: 'more', scopes: ['read'] } }],
      [`/v1/admin/users/${admin.user.id}/mfa`, { method: 'DELETE' }],
    ]
    for (const [path, init] of attempts) await expectNeedsSession(await core.request(path, { ...init, token: key }))
    // Nothing happened: the session lives, the password and account are unchanged.
    expect((await core.request('/v1/me', { token: admin.accessToken })).status).toBe(200)
    const login = await core.request('/v1/auth/login', { method: 'POST', json: { email: admin.email, password: admin.password } })
    expect(login.status).toBe(200)
    // The same key still reads.
    expect((await core.request('/v1/me', { token: key })).status).toBe(200)
  })
})

describe('an admin resets a user’s MFA', () => {
  test('the user signs in with the password alone afterwards; their sessions end; the reset is audited with its actor', async () => {
    const s = await signUp(core)
    await withMfa(s)
    const before = await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })
    expect((await json(before)).type).toEndWith('/mfa-required')

    const res = await core.request(`/v1/admin/users/${s.user.id}/mfa`, { method: 'DELETE', token: admin.accessToken })
    expect(res.status).toBe(200)
    expect((await json(res)).mfaEnabled).toBe(false)

    expect((await core.request('/v1/me', { token: s.accessToken })).status).toBe(401)
    const login = await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })
    expect(login.status).toBe(200)
    const db = core.deps.database.db
    const codes = (await db.execute(`select 1 from recovery_codes where user_id = '${s.user.id}'` as never)) as unknown as unknown[]
    expect(codes).toHaveLength(0)

    const audit = await json(await core.request(`/v1/admin/audit?userId=${s.user.id}`, { token: admin.accessToken }))
    const reset = audit.find((a: { type: string }) => a.type === 'mfa.reset_by_admin')
    expect(reset.actorId).toBe(admin.user.id)
    // The user sees it in their own log too.
    const own = await json(await core.request('/v1/me/audit', { token: (await json(login)).accessToken }))
    expect(own.some((a: { type: string }) => a.type === 'mfa.reset_by_admin')).toBe(true)
  })

  test('only admins may reset, and a user without MFA answers 409; another id answers 404', async () => {
    const member = await signUp(core)
    const target = await signUp(core)
    expect((await core.request(`/v1/admin/users/${target.user.id}/mfa`, { method: 'DELETE', token: member.accessToken })).status).toBe(403)
    expect((await core.request(`/v1/admin/users/${target.user.id}/mfa`, { method: 'DELETE', token: admin.accessToken })).status).toBe(409)
    const missing = await core.request(`/v1/admin/users/${crypto.randomUUID()}/mfa`, { method: 'DELETE', token: admin.accessToken })
    expect(missing.status).toBe(404)
  })
})
