import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { solidImage } from '@ytempire/test-support'
import { json, signIn, signUp, testCore } from './harness'

const { env, core, admin } = await testCore()
const png = solidImage('orange', '64x64')

const upload = (token: string, body: Uint8Array | string, headers: Record<string, string> = {}, name = 'logo.png') =>
  core.request(`/v1/uploads?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    token,
    body,
    headers: { 'content-type': 'application/octet-stream', ...headers },
  })

describe('uploads', () => {
  test('a PNG is stored under the owner’s prefix, listed, usable in a video request, and deletable', async () => {
    const s = await signUp(core)
    const res = await upload(s.accessToken, png)
    expect(res.status).toBe(201)
    const up = await json(res)
    expect(up).toMatchObject({ name: 'logo.png', contentType: 'image/png', size: png.length })
    expect(up.key).toStartWith(`uploads/${s.user.id}/`)
    expect(Buffer.from(await core.deps.storage.get(up.key)).equals(Buffer.from(png))).toBe(true)
    expect((await json(await core.request('/v1/uploads', { token: s.accessToken }))).map((u: { id: string }) => u.id)).toEqual([up.id])

    const ch = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'U', niche: 'u' } }))
    const video = await core.request(`/v1/channels/${ch.id}/videos`, {
      method: 'POST',
      token: s.accessToken,
      json: {
        script: { title: 't', description: '', tags: [], scenes: [{ narration: 'Hello.', keywords: ['k'] }] },
        visualSource: 'uploads',
        media: [up.key],
      },
    })
    expect(video.status).toBe(202)

    expect((await core.request(`/v1/uploads/${up.id}`, { method: 'DELETE', token: s.accessToken })).status).toBe(204)
    expect(await core.deps.storage.stat(up.key)).toBeNull()
  })

  test('the bytes decide the type: a text file sent as image/png is refused with 415', async () => {
    const s = await signUp(core)
    const res = await upload(s.accessToken, 'definitely not an image', { 'content-type': 'image/png' })
    expect(res.status).toBe(415)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await json(await core.request('/v1/uploads', { token: s.accessToken }))).toEqual([])
  })

  test('uploads over MAX_UPLOAD_BYTES are refused with 413, by length or while streaming', async () => {
    const small = await env.core((c) => ({ ...c, maxUploadBytes: 100 }))
    const s = await signUp(small)
    const byLength = await small.request('/v1/uploads', { method: 'POST', token: s.accessToken, body: png })
    expect(byLength.status).toBe(413)
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(png)
        c.close()
      },
    })
    const streamed = await small.app.handle(
      new Request('http://localhost/v1/uploads', {
        method: 'POST',
        body: stream,
        headers: { authorization: `Bearer ${s.accessToken}` },
        duplex: 'half',
      } as RequestInit),
    )
    expect(streamed.status).toBe(413)
  })

  test('other routes keep the small body cap and need a length', async () => {
    const chunked = await core.request('/v1/auth/login', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    })
    expect(chunked.status).toBe(411)
  })

  test("another user's upload answers 404, and a video may not use it", async () => {
    const a = await signUp(core)
    const b = await signUp(core)
    const up = await json(await upload(a.accessToken, png))
    expect((await core.request(`/v1/uploads/${up.id}`, { method: 'DELETE', token: b.accessToken })).status).toBe(404)
    const ch = await json(await core.request('/v1/channels', { method: 'POST', token: b.accessToken, json: { name: 'B', niche: 'b' } }))
    const stolen = await core.request(`/v1/channels/${ch.id}/videos`, {
      method: 'POST',
      token: b.accessToken,
      json: { script: { title: 't', description: '', tags: [], scenes: [{ narration: 'Hi.', keywords: ['k'] }] }, media: [up.key] },
    })
    expect(stolen.status).toBe(422)
    expect(await core.deps.storage.stat(up.key)).not.toBeNull()
  })

  test('a viewer cannot upload', async () => {
    const v = await signUp(core)
    await core.request(`/v1/admin/users/${v.user.id}/role`, { method: 'PATCH', token: admin.accessToken, json: { role: 'viewer' } })
    expect((await upload((await signIn(core, v)).accessToken, png)).status).toBe(403)
  })

  test('erasing the account deletes the uploaded files too', async () => {
    const s = await signUp(core)
    const up = await json(await upload(s.accessToken, png))
    expect(existsSync(join(env.storageDir, up.key))).toBe(true)
    expect((await core.request('/v1/me', { method: 'DELETE', token: s.accessToken, json: { password: s.password } })).status).toBe(204)
    expect(existsSync(join(env.storageDir, up.key))).toBe(false)
  })
})
