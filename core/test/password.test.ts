// Changing the password: the new one signs in, the old one no longer does, every other session ends
// while the one that asked stays, and mistakes name their field.
import { beforeAll, describe, expect, test } from 'bun:test'
import { type Core, json, signUp, testEnv } from './harness'

const env = await testEnv()
let core: Core
beforeAll(async () => {
  core = await env.core()
})

const login = (email: string, password: string) => core.request('/v1/auth/login', { method: 'POST', json: { email, password } })
const change = (token: string, body: Record<string, unknown>) => core.request('/v1/me/password', { method: 'POST', token, json: body })

describe('password change', () => {
  test('the new password signs in, the old one does not; other sessions end, this one stays', async () => {
    const s = await signUp(core)
    const other = await json(await login(s.email, s.password))
    const newPassword = 'a brand new passphrase!'
    expect((await change(s.accessToken, { currentPassword: s.password, newPassword })).status).toBe(204)

    expect((await login(s.email, s.password)).status).toBe(401)
    expect((await login(s.email, newPassword)).status).toBe(200)
    // The session that changed it goes on; the other one is signed out, its refresh token too.
    expect((await core.request('/v1/me', { token: s.accessToken })).status).toBe(200)
    expect((await core.request('/v1/me', { token: other.accessToken })).status).toBe(401)
    const refreshed = await core.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: other.refreshToken } })
    expect(refreshed.status).toBe(401)
    const audit = await json(await core.request('/v1/me/audit', { token: s.accessToken }))
    expect(JSON.stringify(audit)).toContain('password.changed')
  })

  test('a wrong current password or a weak new one is refused, naming the field, and changes nothing', async () => {
    const s = await signUp(core)
    const wrong = await change(s.accessToken, { currentPassword: 'not my password!!', newPassword: 'another fine passphrase!' })
    expect(wrong.status).toBe(422)
    expect(wrong.headers.get('content-type')).toContain('application/problem+json')
    expect((await json(wrong)).errors[0].field).toBe('currentPassword')
    const weak = await change(s.accessToken, { currentPassword: s.password, newPassword: 'short' })
    expect(weak.status).toBe(422)
    expect(JSON.stringify((await json(weak)).errors)).toContain('newPassword')
    expect((await login(s.email, s.password)).status).toBe(200)
  })
})
