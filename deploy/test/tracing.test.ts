// One trace per video, across processes: the core's HTTP request, the dispatch (the outbox row carries
// the context), every stage in a real render worker process (the job carries it) and the ffmpeg runs,
// exported over OTLP/HTTP (JSON) to a small receiver that keeps what it is sent. Without
// OTEL_EXPORTER_OTLP_ENDPOINT none of it happens: nothing records, no job carries a trace context.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE } from '@ytempire/contract'
import { startTracing, type Tracing, tracer } from '@ytempire/contract/tracing'
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

afterAll(() => receiver.stop(true))

const script = {
  title: 'Traced',
  description: 'One scene.',
  tags: [],
  scenes: [{ narration: 'Otters hold hands.', keywords: ['otter'] }],
}

/** Asks for a video of `script` on a new channel and waits until it is done; `headers` go with the request. */
async function makeVideo(core: Core, headers: Record<string, string> = {}) {
  const s = await signUp(core)
  const ch = await json(
    await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Traced', niche: 'x', aspect: '16:9' } }),
  )
  const res = await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script }, headers })
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
  return id as string
}

// The default: neither process is given OTEL_EXPORTER_OTLP_ENDPOINT (not even through this one's environment).
delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT
const offEnv = await testEnv()
const onEnv = await testEnv()

describe('OpenTelemetry off (OTEL_EXPORTER_OTLP_ENDPOINT unset)', () => {
  const env = offEnv
  let tracing: Tracing
  let core: Core
  let worker: ReturnType<typeof env.renderWorker<'pipe'>>
  let startLine: Promise<Record<string, unknown>>

  beforeAll(async () => {
    // As `bun run core` starts (server.ts): tracing from the configuration the environment gave.
    tracing = await startTracing(env.config.tracing)
    core = await env.core((c) => c, { consumeEvents: true })
    worker = env.renderWorker({ LOG_LEVEL: 'info', OTEL_SERVICE_NAME: 'ytempire-render', OTEL_BSP_SCHEDULE_DELAY: '200' }, 'pipe')
    startLine = readStartLine(worker.stdout)
    // Awaited by the test; a test that failed before it leaves it to fail unheard.
    startLine.catch(() => {})
  })
  afterAll(async () => {
    worker?.kill('SIGTERM')
    await worker?.exited
    await tracing?.shutdown()
  })

  test('nothing is recorded, no job carries a trace context, and the worker starts untraced', async () => {
    expect(env.config.tracing.endpoint).toBeUndefined()
    expect(tracing.enabled).toBe(false)
    // The global tracer is the API's no-op one: a span started now records nothing (no SDK, no exporter).
    const probe = tracer().startSpan('probe')
    expect(probe.isRecording()).toBe(false)
    probe.end()

    // A caller's trace (the edge's `traceparent`) is not carried on either: nothing reads it.
    const id = await makeVideo(core, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })
    for (const stage of PIPELINE.stagesFor({ publish: undefined } as never)) {
      const job = await core.deps.pipeline.stageJob(id, stage)
      expect(job).toBeDefined()
      const video = stage === PIPELINE.entry ? job!.data : job!.data.video
      expect(video.videoId).toBe(id)
      expect(video).not.toHaveProperty('trace')
    }

    // The worker, given the other OTEL_ variables but not the endpoint, says it started without tracing.
    expect((await startLine).tracing).toBe(false)
  }, 120_000)
})

/**
 * The worker's "render workers started" log line (pino JSON) from its stdout, which is read to its end
 * (a pipe nobody reads would fail the worker's later writes).
 */
function readStartLine(stdout: ReadableStream<Uint8Array>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder()
    let buffered = ''
    ;(async () => {
      for await (const chunk of stdout) {
        buffered += decoder.decode(chunk, { stream: true })
        const lines = buffered.split('\n')
        buffered = lines.pop()!
        for (const line of lines) {
          const entry = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {}
          if (entry.msg === 'render workers started') resolve(entry)
        }
      }
      reject(new Error('the worker ended without saying it started'))
    })().catch(reject)
  })
}

describe('OpenTelemetry traces', () => {
  const env = onEnv
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
  })

  test('a video is one trace: request → dispatch → every stage → ffmpeg, with the right parents', async () => {
    const id = await makeVideo(core)
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
