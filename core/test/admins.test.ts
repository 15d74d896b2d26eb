// An installation always has exactly the admins it should: the first account becomes admin once,
// however many register at the same moment, and no demotion or account deletion, however
// concurrent, leaves it without one.
import { describe, expect, test } from 'bun:test'
import { type Core, json, PASSWORD, signUp, testEnv, uniqueEmail } from './harness'

const env = await testEnv()
const core = await env.core()

const adminCount = async () => {
  const [row] = (await core.deps.database.db.execute(`select count(*)::int as n from users where role = 'admin'` as never)) as unknown as {
    n: number
  }[]
  return row!.n
}

async function promote(by: string, userId: string) {
  const res = await core.request(`/v1/admin/users/${userId}/role`, { method: 'PATCH', token: by, json: { role: 'admin' } })
  expect(res.status).toBe(200)
}

async function signIn(c: Core, s: { email: string; password: string }) {
  const res = await c.request('/v1/auth/login', { method: 'POST', json: { email: s.email, password: s.password } })
  expect(res.status).toBe(200)
  return (await json(res)).accessToken as string
}

describe('the admins of an installation', () => {
  test('of eight accounts registered at once on a fresh installation, exactly one is admin', async () => {
    // Widen the race in the real database: each insert waits half a second after deciding its values,
    // so all eight registrations are deciding "am I the first?" at the same time.
    const db = core.deps.database.db
    await db.execute(
      `create function test_slow_insert() returns trigger as $$ begin perform pg_sleep(0.5); return new; end $$ language plpgsql` as never,
    )
    await db.execute('create trigger test_slow_insert before insert on users for each row execute function test_slow_insert()' as never)
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        core.request('/v1/auth/register', { method: 'POST', json: { email: uniqueEmail(), password: PASSWORD } }),
      ),
    )
    await db.execute('drop trigger test_slow_insert on users' as never)
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201))
    const roles = await Promise.all(results.map(async (r) => (await json(r)).role))
    expect(roles.filter((r) => r === 'admin')).toHaveLength(1)
    expect(await adminCount()).toBe(1)
  })

  test('two admins demoting each other at once leave one admin', async () => {
    const first = (await core.deps.database.db.execute(`select email from users where role = 'admin'` as never)) as unknown as {
      email: string
    }[]
    let a = await signIn(core, { email: first[0]!.email, password: PASSWORD })
    for (let round = 0; round < 5; round++) {
      const b = await signUp(core)
      await promote(a, b.user.id)
      const bToken = await signIn(core, b)
      const aId = JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString()).sub
      expect(await adminCount()).toBe(2)
      const [ab, ba] = await Promise.all([
        core.request(`/v1/admin/users/${b.user.id}/role`, { method: 'PATCH', token: a, json: { role: 'member' } }),
        core.request(`/v1/admin/users/${aId}/role`, { method: 'PATCH', token: bToken, json: { role: 'member' } }),
      ])
      // One demotion wins. The other is refused as the last admin's (409) or, when the winner's change has
      // already ended the loser's sessions (a role change does that), as no longer signed in (401).
      const statuses = [ab.status, ba.status].sort()
      expect(statuses[0]).toBe(200)
      expect([401, 409]).toContain(statuses[1]!)
      expect(await adminCount()).toBe(1)
      // Whoever is still admin carries on to the next round.
      a = ab.status === 200 ? a : bToken
    }
  })

  test('the last admin cannot delete their account; with two, deleting both at once leaves one', async () => {
    const [row] = (await core.deps.database.db.execute(`select id, email from users where role = 'admin'` as never)) as unknown as {
      id: string
      email: string
    }[]
    const lastToken = await signIn(core, { email: row!.email, password: PASSWORD })
    const refused = await core.request('/v1/me', { method: 'DELETE', token: lastToken, json: { password: PASSWORD } })
    expect(refused.status).toBe(409)
    expect(refused.headers.get('content-type')).toContain('application/problem+json')
    expect((await core.request('/v1/me', { token: lastToken })).status).toBe(200)

    const other = await signUp(core)
    await promote(lastToken, other.user.id)
    const otherToken = await signIn(core, other)
    const results = await Promise.all([
      core.request('/v1/me', { method: 'DELETE', token: lastToken, json: { password: PASSWORD } }),
      core.request('/v1/me', { method: 'DELETE', token: otherToken, json: { password: PASSWORD } }),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([204, 409])
    expect(await adminCount()).toBe(1)
  })

  test('a member deletes their account as before', async () => {
    const member = await signUp(core)
    expect((await core.request('/v1/me', { method: 'DELETE', token: member.accessToken, json: { password: PASSWORD } })).status).toBe(204)
    expect((await core.request('/v1/auth/login', { method: 'POST', json: { email: member.email, password: PASSWORD } })).status).toBe(401)
  })
})
