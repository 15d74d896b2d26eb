// A PostgreSQL outage longer than a report's own retries: the core stops taking reports while its
// database is down (spending none of their attempts) and applies them, in the order reported, once
// it is back. The schedules are shortened here; the real ones are in docs/contracts.md.
import { beforeAll, expect, test } from 'bun:test'
import type { UnstampedVideoEvent } from '@ytempire/contract'
import type { EventReporter } from '@ytempire/contract/queue'
import { type TcpProxy, tcpProxy, waitUntil } from '@ytempire/test-support'
import { type Core, json, signUp, testEnv } from './harness'

// Each report's own retries: 5 attempts from 50 ms, about 1.5 s in all. The outage lasts longer.
const REPORT_RETRY = { attempts: 5, backoffMs: 50 }
const OUTAGE_MS = 4_000

const env = await testEnv((c) => ({ ...c, events: { outageRetry: { firstMs: 50, maxMs: 200 } } }))
let api: Core

let proxy: TcpProxy
let reporter: EventReporter
beforeAll(async () => {
  api = await env.core()
  const url = new URL(env.db.url)
  proxy = tcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
  // The only instance recording reports reaches PostgreSQL through the proxy.
  await env.core((c) => c, {
    consumeEvents: true,
    databaseUrl: (u) => {
      const via = new URL(u)
      via.hostname = proxy.host
      via.port = String(proxy.port)
      return via.toString()
    },
  })
  reporter = api.deps.pipeline.reporter({ retry: REPORT_RETRY })
})

test('reports made during a PostgreSQL outage longer than their retries are applied afterwards, in order', async () => {
  const s = await signUp(api)
  const ch = await json(await api.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'O', niche: 'o' } }))
  const script = { title: 'Outage', description: '', tags: [], scenes: [{ narration: 'Still here.', keywords: ['x'] }] }
  const video = await json(await api.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } }))
  const id = video.id as string

  proxy.cut()
  const artifact = { key: `videos/${s.user.id}/${id}/video.mp4`, contentType: 'video/mp4', size: 10 }
  const reported = [
    { type: 'stage.started', videoId: id, stage: 'script', attempt: 1, worker: 'w:1' },
    { type: 'stage.progress', videoId: id, stage: 'script', percent: 50 },
    { type: 'stage.completed', videoId: id, stage: 'script', durationMs: 5, artifacts: [] },
    { type: 'stage.started', videoId: id, stage: 'render', attempt: 1, worker: 'w:1' },
    { type: 'stage.progress', videoId: id, stage: 'render', percent: 40 },
    { type: 'stage.completed', videoId: id, stage: 'render', durationMs: 9, artifacts: [artifact] },
    {
      type: 'video.completed',
      videoId: id,
      title: 'Outage',
      description: '',
      tags: [],
      durationS: 1,
      video: artifact,
      thumbnail: artifact,
      artifacts: [artifact],
      stageDurationsMs: {},
    },
  ] satisfies UnstampedVideoEvent[]
  for (const event of reported) await reporter.report(event)
  await Bun.sleep(OUTAGE_MS)
  proxy.restore()

  const done = await waitUntil(
    async () => {
      const v = await json(await api.request(`/v1/videos/${id}`, { token: s.accessToken }))
      return v.status === 'completed' && v
    },
    { what: 'the video completed after the outage', timeoutMs: 15_000 },
  )
  expect(done.progress).toBe(100)
  const rows = (await api.deps.database.db.execute(
    `select type, stage from video_events where video_id = '${id}' order by id` as never,
  )) as unknown as { type: string; stage: string | null }[]
  expect(rows.map((r) => `${r.type}${r.stage ? `:${r.stage}` : ''}`)).toEqual(
    reported.map((e) => `${e.type}${'stage' in e ? `:${e.stage}` : ''}`),
  )
}, 40_000)
