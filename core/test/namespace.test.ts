// Two installations sharing one Redis (the demo finds the one on 6379 when it answers): with
// QUEUE_PREFIX unset, each has a queue namespace of its own, made once and kept across restarts.
import { expect, test } from 'bun:test'
import { INSTALLATION_KEY } from '@ytempire/contract'
import { json, signUp, testEnv } from './harness'

const first = await testEnv((c) => ({ ...c, queuePrefixFromInstallation: true }))
const second = await testEnv((c) => ({ ...c, queuePrefixFromInstallation: true }))

test('each installation queues in a namespace of its own; a restart keeps it; the workers read it from the store', async () => {
  const a = await first.core()
  const b = await second.core()
  const prefixA = a.deps.config.queuePrefix
  expect(prefixA).toMatch(/^ytempire-[0-9a-f]{12}$/)
  expect(b.deps.config.queuePrefix).not.toBe(prefixA)
  // Another replica, or the same core after a restart: the namespace it was given the first time.
  expect((await first.core()).deps.config.queuePrefix).toBe(prefixA)
  const stored = JSON.parse(new TextDecoder().decode(await a.deps.storage.get(INSTALLATION_KEY)))
  expect(prefixA).toBe(`ytempire-${stored.id.replace(/-/g, '').slice(0, 12)}`)

  const s = await signUp(a)
  const ch = await json(await a.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'N', niche: 'n' } }))
  const script = { title: 'Mine', description: '', tags: [], scenes: [{ narration: 'Only mine.', keywords: ['m'] }] }
  const video = await json(await a.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } }))
  expect(await a.deps.pipeline.stageJob(video.id, 'script')).toBeDefined()
  expect(await b.deps.pipeline.stageJob(video.id, 'script')).toBeUndefined()
})
