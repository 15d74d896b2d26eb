// One trace per video, across processes: the core's HTTP request, the dispatch (the outbox row carries
// the context), every stage in a real render worker process (the job carries it) and the ffmpeg runs,
// exported over OTLP/HTTP (JSON) to a small receiver that keeps what it is sent.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE } from '@ytempire/contract'
import { startTracing, type Tracing } from '@ytempire/contract/tracing'
import { waitUntil } from '@ytempire/test-support'
import { type Core, json, signUp, testEnv } from '../../core/test/harness'

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[]
}
type Received = OtlpSpan & { service: string }

const SERVER = 2
const PRODUCER = 4
const CONSUMER = 5

const received: Received[] = []
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(req) {
    if (new URL(req.url).pathname !== '/v1/traces' || req.headers.get('content-type') !== 'application/json')
      return new Response('not here', { status: 404 })
    const body = (await req.json()) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue: string } }[] }
        scopeSpans: { spans: OtlpSpan[] }[]
      }[]
    }
    for (const rs of body.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?'
      for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ ...span, service })
    }
    return Response.json({})
  },
})
const endpoint = `http://127.0.0.1:${receiver.port}`

const env = await testEnv()
let tracing: Tracing
let core: Core
let worker: ReturnType<typeof Bun.spawn>

beforeAll(async () => {
  // The core in this process, exporting like `bun run core` with OTEL_EXPORTER_OTLP_ENDPOINT set.
  tracing = await startTracing({ endpoint, serviceName: 'ytempire-core' })
  core = await env.core((c) => ({ ...c, tracing: { endpoint, serviceName: 'ytempire-core' } }), { consumeEvents: true })
  worker = env.renderWorker({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    // Batches leave every 200 ms instead of 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  })
})
afterAll(async () => {
  worker?.kill('SIGTERM')
  await worker?.exited
  await tracing?.shutdown()
  receiver.stop(true)
})

describe('OpenTelemetry traces', () => {
  test('a video is one trace: request → dispatch → every stage → ffmpeg, with the right parents', async () => {
    const s = await signUp(core)
    const ch = await json(
      await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Traced', niche: 'x', aspect: '16:9' } }),
    )
    const script = {
      title: 'Traced',
      description: 'One scene.',
      tags: [],
      scenes: [{ narration: 'Otters hold hands.', keywords: ['otter'] }],
    }
    const res = await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script } })
    expect(res.status).toBe(202)
    const { id } = await json(res)
    const video = await waitUntil(
      async () => {
        const v = await json(await core.request(`/v1/videos/${id}`, { token: s.accessToken }))
        return ['completed', 'failed'].includes(v.status) && v
      },
      { what: 'the video to finish', timeoutMs: 90_000, intervalMs: 200 },
    )
    expect(video.status).toBe('completed')
    await tracing.flush()

    const request = received.find((r) => r.name === 'POST /v1/channels/:id/videos')
    expect(request).toBeDefined()
    expect(request!.kind).toBe(SERVER)
    expect(request!.service).toBe('ytempire-core')
    const inTrace = () => received.filter((r) => r.traceId === request!.traceId)
    const stages = PIPELINE.stagesFor({ publish: undefined } as never)
    // The worker's last spans leave in its next batch.
    await waitUntil(() => stages.every((st) => inTrace().some((r) => r.name === `stage ${st}`)), {
      what: 'a span of every stage',
      timeoutMs: 10_000,
    })

    const spans = inTrace()
    const dispatch = spans.find((r) => r.name === 'video.dispatch')!
    expect(dispatch.kind).toBe(PRODUCER)
    expect(dispatch.parentSpanId).toBe(request!.spanId)
    for (const stage of stages) {
      const span = spans.find((r) => r.name === `stage ${stage}`)!
      expect(span.service).toBe('ytempire-render')
      expect(span.kind).toBe(CONSUMER)
      expect(span.parentSpanId).toBe(dispatch.spanId)
      expect(span.attributes.find((a) => a.key === 'ytempire.video.id')?.value.stringValue).toBe(id)
    }
    // ffmpeg runs are children of the stage that ran them: the render's encode under `stage render`.
    const render = spans.find((r) => r.name === 'stage render')!
    const ffmpegs = spans.filter((r) => r.name === 'ffmpeg')
    expect(ffmpegs.some((f) => f.parentSpanId === render.spanId)).toBe(true)
    const byId = new Set(spans.map((r) => r.spanId))
    for (const f of ffmpegs) expect(byId.has(f.parentSpanId!)).toBe(true)
    // Nothing of this video's work started a trace of its own.
    const videoSpans = received.filter((r) => r.attributes.some((a) => a.key === 'ytempire.video.id' && a.value.stringValue === id))
    expect(new Set(videoSpans.map((r) => r.traceId))).toEqual(new Set([request!.traceId]))
  }, 120_000)
})
