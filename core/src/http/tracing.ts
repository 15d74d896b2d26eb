// The span of each HTTP request, the root of a video's trace (or a child of the caller's `traceparent`).
// On only when tracing is configured: otherwise nothing wraps the requests at all.
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { contextFromHeaders, tracer } from '@ytempire/contract/tracing'

export function requestTracing() {
  const spans = new WeakMap<Request, Span>()
  return {
    /** Elysia's `wrap`: the handling of the request runs with its span active, so what it starts is the span's child. */
    wrap<F extends (...args: never[]) => unknown>(handle: F, request: Request): F {
      const parent = contextFromHeaders(request.headers)
      const span = tracer().startSpan(
        request.method,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method } },
        parent,
      )
      spans.set(request, span)
      return context.bind(trace.setSpan(parent, span), handle)
    },
    /** Names the span by its route template once routing is known, and ends it. */
    end(request: Request, route: string, status: number, requestId: string) {
      const span = spans.get(request)
      if (!span) return
      spans.delete(request)
      span.updateName(`${request.method} ${route}`)
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status, 'http.request.id': requestId })
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    },
  }
}
