import { describe, expect, test } from 'bun:test'
import { json, signUp, testCore } from './harness'

const { core, admin } = await testCore()

async function withRole(role: 'viewer' | 'member') {
  const s = await signUp(core)
  if (role !== 'member') {
    const res = await core.request(`/v1/admin/users/${s.user.id}/role`, { method: 'PATCH', token: admin.accessToken, json: { role } })
    expect(res.status).toBe(200)
  }
  // A role change ends the user's sessions; sign in again.
  const login = await json(await core.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } }))
  return { ...s, accessToken: login.accessToken as string }
}

describe('roles', () => {
  test('the first account of an installation is its admin', async () => {
    expect(admin.user.role).toBe('admin')
  })

  test('a viewer can read but cannot write', async () => {
    const viewer = await withRole('viewer')
    expect((await core.request('/v1/me', { token: viewer.accessToken })).status).toBe(200)
    expect((await core.request('/v1/api-keys', { token: viewer.accessToken })).status).toBe(200)
    const write = await core.request('/v1/api-keys', { method: 'POST', token: viewer.accessToken, json: { name: 'k', scopes: ['read'] } })
    expect(write.status).toBe(403)
    expect(write.headers.get('content-type')).toContain('application/problem+json')
  })

  test('a member cannot use admin routes', async () => {
    const member = await withRole('member')
    expect((await core.request('/v1/admin/users', { token: member.accessToken })).status).toBe(403)
    expect(
      (
        await core.request(`/v1/admin/users/${member.user.id}/role`, {
          method: 'PATCH',
          token: member.accessToken,
          json: { role: 'admin' },
        })
      ).status,
    ).toBe(403)
    expect((await core.request('/v1/admin/audit', { token: member.accessToken })).status).toBe(403)
  })

  test('admin lists users and changes roles; the change ends the target’s sessions and is audited', async () => {
    const member = await withRole('member')
    const list = await json(await core.request(`/v1/admin/users?email=${encodeURIComponent(member.email)}`, { token: admin.accessToken }))
    expect(list.map((u: { id: string }) => u.id)).toEqual([member.user.id])
    const res = await core.request(`/v1/admin/users/${member.user.id}/role`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { role: 'viewer' },
    })
    expect((await json(res)).role).toBe('viewer')
    expect((await core.request('/v1/me', { token: member.accessToken })).status).toBe(401)
    const audit = await json(await core.request(`/v1/admin/audit?userId=${member.user.id}`, { token: admin.accessToken }))
    const change = audit.find((a: { type: string }) => a.type === 'role.changed')
    expect(change.data).toEqual({ from: 'member', to: 'viewer' })
    expect(change.actorId).toBe(admin.user.id)
  })

  test('the last admin cannot be demoted', async () => {
    const res = await core.request(`/v1/admin/users/${admin.user.id}/role`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { role: 'member' },
    })
    expect(res.status).toBe(409)
  })

  test('an invalid role names the field', async () => {
    const member = await withRole('member')
    const res = await core.request(`/v1/admin/users/${member.user.id}/role`, {
      method: 'PATCH',
      token: admin.accessToken,
      json: { role: 'owner' },
    })
    expect(res.status).toBe(422)
    expect((await json(res)).errors[0].field).toBe('role')
  })
})

describe('ownership', () => {
  test("another user's session answers 404 and is not ended", async () => {
    const a = await withRole('member')
    const b = await withRole('member')
    const [session] = await json(await core.request('/v1/me/sessions', { token: a.accessToken }))
    const res = await core.request(`/v1/me/sessions/${session.id}`, { method: 'DELETE', token: b.accessToken })
    expect(res.status).toBe(404)
    expect((await core.request('/v1/me', { token: a.accessToken })).status).toBe(200)
    expect((await core.request(`/v1/me/sessions/${session.id}`, { method: 'DELETE', token: a.accessToken })).status).toBe(204)
    expect((await core.request('/v1/me', { token: a.accessToken })).status).toBe(401)
  })

  test('a user reads only their own audit log', async () => {
    const a = await withRole('member')
    const b = await withRole('member')
    const log = await json(await core.request('/v1/me/audit', { token: b.accessToken }))
    expect(log.length).toBeGreaterThan(0)
    const aEvents = await core.deps.audit.list({ userId: a.user.id, limit: 100 })
    const ids = new Set(aEvents.map((e) => e.id))
    expect(log.some((e: { id: number }) => ids.has(e.id))).toBe(false)
  })
})
