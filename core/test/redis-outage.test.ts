// During a Redis outage the core answers 503 with Retry-After at once (rate limits and sessions live
// in Redis), and recovers by itself when Redis is back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from '@ytempire/test-support'
import { freePort, portAnswers } from '../src/infra/local-redis'
import { type Core, json, signUp, testEnv } from './harness'

// A Redis of this file's own, which the test stops and starts; its append-only file, written at every
// command, keeps the sessions.
const dir = mkdtempSync(join(tmpdir(), 'ytempire-redis-'))
const port = await freePort()
const settings = { port: String(port), bind: '127.0.0.1', dir, appendonly: 'yes', appendfsync: 'always', save: '' }
let server: ReturnType<typeof Bun.spawn> | undefined
async function startRedis() {
  const args = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value])
  server = Bun.spawn(['redis-server', ...args], { stdout: 'ignore', stderr: 'ignore' })
  await waitUntil(() => portAnswers('127.0.0.1', port), { what: 'the private redis-server answering' })
}
async function stopRedis() {
  server?.kill('SIGTERM')
  await server?.exited
}
await startRedis()

const env = await testEnv((c) => ({ ...c, redisUrl: `redis://127.0.0.1:${port}` }))
let core: Core
let user: Awaited<ReturnType<typeof signUp>>
let apiKey: string
beforeAll(async () => {
  core = await env.core()
  user = await signUp(core)
  apiKey = (
    await json(await core.request('/v1/api-keys', { method: 'POST', token: user.accessToken, json: { name: 'k', scopes: ['read'] } }))
  ).key
})
afterAll(async () => {
  if (server?.exitCode === null) await stopRedis()
  rmSync(dir, { recursive: true, force: true })
})

const expectUnavailable = async (res: Response) => {
  expect(res.status).toBe(503)
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  expect((await json(res)).type).toEndWith('/service-unavailable')
}

describe('a Redis outage', () => {
  test('authenticated requests, API keys, logins and refreshes answer 503 with Retry-After; all work again once Redis is back', async () => {
    expect((await core.request('/v1/me', { token: user.accessToken })).status).toBe(200)
    await stopRedis()
    await waitUntil(() => core.deps.redis.status !== 'ready', { what: 'the core noticing Redis is gone' })

    await expectUnavailable(await core.request('/v1/me', { token: user.accessToken }))
    await expectUnavailable(await core.request('/v1/me', { token: apiKey }))
    await expectUnavailable(await core.request('/v1/auth/login', { method: 'POST', json: { email: user.email, password: user.password } }))
    await expectUnavailable(await core.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: user.refreshToken } }))
    await expectUnavailable(
      await core.request('/v1/channels', { method: 'POST', token: user.accessToken, json: { name: 'n', niche: 'x' } }),
    )
    await startRedis()
    await waitUntil(() => core.deps.redis.status === 'ready', { what: 'the core reconnecting' })
    expect((await core.request('/v1/me', { token: user.accessToken })).status).toBe(200)
    expect((await core.request('/v1/auth/login', { method: 'POST', json: { email: user.email, password: user.password } })).status).toBe(
      200,
    )
  }, 30_000)
})
