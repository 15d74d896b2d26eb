// Bad input never costs a 500 or the server's memory: strings PostgreSQL cannot store, numbers past
// its range, bodies nested to exhaust the validator, and validation that would answer an anonymous
// caller with the route's field list.
import { describe, expect, test } from 'bun:test'
import { json, testCore } from './harness'

const { core, admin } = await testCore()

const rawJson = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body })

/** A 4xx problem+json whose errors name `field`. */
async function expectFieldRefused(res: Response, field: string) {
  expect(res.status).toBeGreaterThanOrEqual(400)
  expect(res.status).toBeLessThan(500)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const body = await json(res)
  expect(body.errors.map((e: { field: string }) => e.field)).toContain(field)
  return body
}

describe('strings PostgreSQL cannot store are refused, naming the field', () => {
  test('a NUL byte in the login e-mail', async () => {
    await expectFieldRefused(
      await core.request('/v1/auth/login', { method: 'POST', json: { email: 'ada\u0000@example.com', password: 'whatever-pass!' } }),
      'email',
    )
  })

  test('a lone surrogate in the login e-mail and in the registration e-mail', async () => {
    const body = '{"email":"ada\\ud800@example.com","password":"correct horse battery!"}'
    await expectFieldRefused(await core.request('/v1/auth/login', rawJson(body)), 'email')
    await expectFieldRefused(await core.request('/v1/auth/register', rawJson(body)), 'email')
  })

  test('a NUL byte in a channel name, a lone surrogate in an API key name', async () => {
    await expectFieldRefused(
      await core.request('/v1/channels', { method: 'POST', token: admin.accessToken, json: { name: 'late\u0000night', niche: 'history' } }),
      'name',
    )
    const key = await core.request('/v1/api-keys', {
      ...rawJson('{"name":"ci \\udc00 key","scopes":["read"]}'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
    })
    await expectFieldRefused(key, 'name')
  })

  test('a nested field is named by its path', async () => {
    const res = await core.request('/v1/channels', {
      method: 'POST',
      token: admin.accessToken,
      json: { name: 'ok', niche: 'history', defaultVoice: { voiceId: 'v\u0000' } },
    })
    await expectFieldRefused(res, 'defaultVoice.voiceId')
  })

  test('a NUL byte or broken UTF-8 in a query', async () => {
    await expectFieldRefused(await core.request('/v1/admin/users?email=ada%00', { token: admin.accessToken }), 'email')
    // %ED%A0%80 is a surrogate encoded as UTF-8, which UTF-8 forbids: it never becomes a lone surrogate.
    const broken = await core.request('/v1/admin/users?email=%ED%A0%80', { token: admin.accessToken })
    expect(broken.status).toBeLessThan(500)
  })
})

describe('integer query parameters have upper bounds', () => {
  test('past the bigint range answers 422 naming the parameter', async () => {
    const huge = '99999999999999999999'
    await expectFieldRefused(await core.request(`/v1/me/audit?before=${huge}`, { token: admin.accessToken }), 'before')
    await expectFieldRefused(await core.request(`/v1/admin/audit?before=${huge}`, { token: admin.accessToken }), 'before')
    await expectFieldRefused(await core.request(`/v1/admin/users?offset=${huge}`, { token: admin.accessToken }), 'offset')
    await expectFieldRefused(await core.request(`/v1/admin/dead-letters?offset=${huge}`, { token: admin.accessToken }), 'offset')
  })
})

describe('deeply nested bodies', () => {
  test('[ x 50,000 answers 400 before any validator walks it', async () => {
    const res = await core.request('/v1/auth/login', rawJson(`{"email":${'['.repeat(50_000)}${']'.repeat(50_000)}}`))
    expect(res.status).toBe(400)
    expect((await json(res)).type).toEndWith('/body-too-deep')
  })

  test('{"a": x 20,000 to the anonymous login answers a short 400', async () => {
    const res = await core.request('/v1/auth/login', rawJson(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`))
    expect(res.status).toBe(400)
    const text = await res.text()
    expect(JSON.parse(text).type).toEndWith('/body-too-deep')
    expect(text.length).toBeLessThan(1000)
  })

  test('a body of ordinary depth is still accepted', async () => {
    const res = await core.request('/v1/channels', {
      method: 'POST',
      token: admin.accessToken,
      json: { name: 'depth', niche: 'history', cadence: { videosPerWeek: 1, days: ['mon'], time: '09:00' } },
    })
    expect(res.status).toBe(201)
  })
})

describe('bodies that are not JSON objects', () => {
  test('are refused before validation: 415 for another media type, 400 for a JSON value that is not an object', async () => {
    const text = await core.request('/v1/channels', {
      method: 'POST',
      token: admin.accessToken,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'x', niche: 'y' }),
    })
    expect(text.status).toBe(415)
    expect(text.headers.get('content-type')).toContain('application/problem+json')
    for (const body of ['"a string"', '[1,2]', 'null', '42']) {
      const res = await core.request('/v1/auth/login', rawJson(body))
      expect(res.status).toBe(400)
      expect((await json(res)).type).toEndWith('/body-not-object')
    }
  })
})

describe('what a validation error echoes back is bounded', () => {
  test('hundreds of unknown fields and a 10 KB field name give a short answer', async () => {
    const body: Record<string, unknown> = { name: 'x', niche: 'y' }
    for (let i = 0; i < 500; i++) body[`extra${i}`] = 'z'.repeat(100)
    body['k'.repeat(10_000)] = 1
    const res = await core.request('/v1/channels', { method: 'POST', token: admin.accessToken, json: body })
    expect(res.status).toBe(422)
    const text = await res.text()
    const problem = JSON.parse(text)
    expect(problem.errors.length).toBeGreaterThan(0)
    expect(problem.errors.length).toBeLessThanOrEqual(20)
    expect(text.length).toBeLessThan(8_000)
  })
})

describe('validation runs after authentication', () => {
  test('an anonymous caller gets 401, never the list of fields', async () => {
    const cases = [
      await core.request('/v1/channels', { method: 'POST', json: { bogus: 1 } }),
      await core.request('/v1/auth/mfa/confirm', { method: 'POST', json: { code: 'nope', extra: true } }),
      await core.request('/v1/me/audit?before=abc&nonsense=1'),
      await core.request('/v1/api-keys', { method: 'POST', token: 'not-a-token', json: {} }),
      await core.request('/v1/me/sessions/not-a-uuid', { method: 'DELETE' }),
    ]
    for (const res of cases) {
      expect(res.status).toBe(401)
      const body = await json(res)
      expect(body.errors).toBeUndefined()
    }
  })
})
