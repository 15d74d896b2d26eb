import { describe, expect, test } from 'bun:test'
import { json, signUp, testCore } from './harness'

const { core } = await testCore()

const create = (token: string, body: Record<string, unknown>) => core.request('/v1/channels', { method: 'POST', token, json: body })

describe('channels', () => {
  test('create with defaults, read, update, list, delete', async () => {
    const s = await signUp(core)
    const res = await create(s.accessToken, { name: 'Space Facts', niche: 'astronomy', aspect: '9:16', timeZone: 'Europe/Berlin' })
    expect(res.status).toBe(201)
    const ch = await json(res)
    expect(ch).toMatchObject({
      name: 'Space Facts',
      niche: 'astronomy',
      aspect: '9:16',
      language: 'en',
      captionStyle: 'highlight',
      defaultPrivacy: 'private',
      timeZone: 'Europe/Berlin',
    })
    expect(ch.cadence.days.length).toBeGreaterThan(0)
    const patched = await json(
      await core.request(`/v1/channels/${ch.id}`, {
        method: 'PATCH',
        token: s.accessToken,
        json: { captionStyle: 'plain', cadence: { videosPerWeek: 7, days: ['mon', 'tue'], time: '09:30' } },
      }),
    )
    expect(patched.captionStyle).toBe('plain')
    expect(patched.cadence.time).toBe('09:30')
    const list = await json(await core.request('/v1/channels', { token: s.accessToken }))
    expect(list.map((c: { id: string }) => c.id)).toEqual([ch.id])
    expect((await core.request(`/v1/channels/${ch.id}`, { method: 'DELETE', token: s.accessToken })).status).toBe(204)
    expect((await core.request(`/v1/channels/${ch.id}`, { token: s.accessToken })).status).toBe(404)
  })

  test('the list is cached per user and a write invalidates it', async () => {
    const s = await signUp(core)
    await create(s.accessToken, { name: 'A', niche: 'a' })
    expect((await core.request('/v1/channels', { token: s.accessToken })).headers.get('x-cache')).toBe('MISS')
    expect((await core.request('/v1/channels', { token: s.accessToken })).headers.get('x-cache')).toBe('HIT')
    const created = await create(s.accessToken, { name: 'B', niche: 'b' })
    expect(created.headers.get('x-invalidate')).toBe('/v1/')
    const after = await core.request('/v1/channels', { token: s.accessToken })
    expect(after.headers.get('x-cache')).toBe('MISS')
    expect(await json(after)).toHaveLength(2)
  })

  test('the free plan allows 5 channels', async () => {
    const s = await signUp(core)
    for (let i = 0; i < 5; i++) expect((await create(s.accessToken, { name: `c${i}`, niche: 'n' })).status).toBe(201)
    const sixth = await create(s.accessToken, { name: 'c6', niche: 'n' })
    expect(sixth.status).toBe(403)
    expect((await json(sixth)).type).toContain('plan-limit')
  })

  test('validation names the field: aspect, time zone, cadence time, unknown fields', async () => {
    const s = await signUp(core)
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', niche: 'y', aspect: '4:3' }, 'aspect'],
      [{ name: 'x', niche: 'y', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ name: 'x', niche: 'y', cadence: { videosPerWeek: 1, days: ['mon'], time: '25:00' } }, 'cadence.time'],
      [{ name: 'x', niche: 'y', owner: 'someone' }, 'owner'],
      [{ niche: 'y' }, 'name'],
    ]
    for (const [body, field] of cases) {
      const res = await create(s.accessToken, body)
      expect(res.status).toBe(422)
      expect((await json(res)).errors.map((e: { field: string }) => e.field)).toContain(field)
    }
  })

  test("another user's channel answers 404 on every route", async () => {
    const a = await signUp(core)
    const b = await signUp(core)
    const ch = await json(await create(a.accessToken, { name: 'mine', niche: 'n' }))
    expect((await core.request(`/v1/channels/${ch.id}`, { token: b.accessToken })).status).toBe(404)
    expect((await core.request(`/v1/channels/${ch.id}`, { method: 'PATCH', token: b.accessToken, json: { name: 'stolen' } })).status).toBe(
      404,
    )
    expect((await core.request(`/v1/channels/${ch.id}`, { method: 'DELETE', token: b.accessToken })).status).toBe(404)
    expect(
      (
        await core.request(`/v1/channels/${ch.id}/videos`, {
          method: 'POST',
          token: b.accessToken,
          json: { script: { title: 't', description: '', tags: [], scenes: [{ narration: 'hi', keywords: ['k'] }] } },
        })
      ).status,
    ).toBe(404)
    expect((await json(await core.request(`/v1/channels/${ch.id}`, { token: a.accessToken }))).name).toBe('mine')
  })
})
