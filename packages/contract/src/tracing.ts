// @ytempire/contract/tracing: one trace per video across the core and the workers (OpenTelemetry).
// The core's request span, the dispatch (through the outbox row), each stage (the context rides in
// the job's data, `VideoJob.trace`) and each ffmpeg run share a trace id. Exported over OTLP/HTTP
// (JSON) when an endpoint is configured; otherwise the API's no-op tracer answers and the SDK is not
// even loaded.
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api'
import type { TraceCarrier } from './jobs'

export type { TraceCarrier }
export { SpanKind }

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (spans go to `<endpoint>/v1/traces`); unset = off. */
  endpoint?: string
  /** OTEL_SERVICE_NAME, or the process's own (`ytempire-core`, `ytempire-render`). */
  serviceName: string
}

export interface Tracing {
  readonly enabled: boolean
  /** Exports what has ended so far. */
  flush(): Promise<void>
  /** Exports what is left and stops (the process is about to end). */
  shutdown(): Promise<void>
}

const OFF: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} }

/** The tracer every span here comes from; the no-op one until `startTracing` registers a provider. */
export const tracer = () => trace.getTracer('ytempire')

/**
 * Registers the SDK globally for this process: spans batched and posted as OTLP JSON, W3C trace
 * context as the propagation format, AsyncLocalStorage as the context manager (Bun has it).
 */
export async function startTracing(config: TracingConfig): Promise<Tracing> {
  if (!config.endpoint) return OFF
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    sdk,
    semconv,
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/semantic-conventions'),
  ])
  const exporter = new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/+$/, '')}/v1/traces` })
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ [semconv.ATTR_SERVICE_NAME]: config.serviceName }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
  })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown()
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}

/** The active trace context as the W3C headers a job or a row carries; undefined when nothing is traced. */
export function traceCarrier(from: Context = context.active()): TraceCarrier | undefined {
  const carrier: Partial<TraceCarrier> = {}
  propagation.inject(from, carrier)
  return carrier.traceparent ? (carrier as TraceCarrier) : undefined
}

/** The context a carrier names (the root when there is none). */
export function contextFrom(carrier: TraceCarrier | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

/** The context an HTTP request's `traceparent` names (the root without one). */
export function contextFromHeaders(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter)
}

/** `traceparent`/`tracestate` for an outgoing request, so the callee's spans join this trace. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {}
  propagation.inject(from, headers)
  return headers
}

export interface SpanOptions {
  kind?: SpanKind
  attributes?: Attributes
  /** the parent; the active context when left out */
  parent?: Context
  /** a throw that is not a failure (a job handed back or delayed on purpose) */
  notAFailure?: (err: unknown) => boolean
}

/**
 * Runs `fn` in a new active span: its callees' spans are its children. A throw marks the span failed
 * (with the error's class and message) and is rethrown.
 */
export function inSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = opts.parent ?? context.active()
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, parent, async (span) => {
    try {
      return await fn(span)
    } catch (err) {
      if (!opts.notAFailure?.(err)) failSpan(span, err)
      throw err
    } finally {
      span.end()
    }
  })
}

/** Marks a span failed by an error. */
export function failSpan(span: Span, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err))
  span.recordException(e)
  span.setAttribute('error.type', e.name)
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message.slice(0, 300) })
}
