import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config'
import { startCore } from '../src/server'
import { PASSWORD, REDIS_URL } from './harness'

const dataDir = mkdtempSync(join(tmpdir(), 'ytempire-embedded-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('embedded PostgreSQL (PGlite) when DATABASE_URL is unset', () => {
  test('migrates, serves the account flow, and keeps data across a restart', async () => {
    const config = {
      ...loadConfig({ NODE_ENV: 'test', REDIS_URL, REDIS_PREFIX: `emb:${Date.now()}:`, PORT: '0', DATA_DIR: dataDir }),
      host: '127.0.0.1',
    }
    let core = await startCore(config)
    expect(core.deps.database.kind).toBe('pglite')
    const post = (path: string, body: unknown) =>
      fetch(`${core.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('/v1/auth/register', { email: 'embedded@example.com', password: PASSWORD })).status).toBe(201)
    await core.stop()

    core = await startCore(config)
    const login = await post('/v1/auth/login', { email: 'embedded@example.com', password: PASSWORD })
    expect(login.status).toBe(200)
    const { accessToken } = (await login.json()) as { accessToken: string }
    const me = await fetch(`${core.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })
    expect(((await me.json()) as { email: string }).email).toBe('embedded@example.com')
    const ready = (await (await fetch(`${core.url}/ready`)).json()) as { database: string }
    expect(ready.database).toBe('pglite')
    await core.stop()
  }, 60_000)
})
