// Every error leaves as application/problem+json (RFC 9457).

export interface FieldError {
  field: string
  message: string
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: { type?: string; errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail ?? title)
  }
}

const TYPE_BASE = 'https://ytempire.dev/problems/'

export function problemBody(p: { status: number; title: string; detail?: string; type?: string; instance?: string; [k: string]: unknown }) {
  const { headers: _h, type, ...rest } = p as Record<string, unknown>
  return JSON.stringify({ type: TYPE_BASE + ((type as string | undefined) ?? slug(p.title)), ...rest })
}

export function problemResponse(p: Problem, instance?: string, headers: Record<string, string> = {}): Response {
  const body = problemBody({ status: p.status, title: p.title, detail: p.detail, instance, ...p.extra })
  return new Response(body, { status: p.status, headers: { 'content-type': 'application/problem+json', ...p.extra.headers, ...headers } })
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

export const badRequest = (detail: string, errors?: FieldError[]) => new Problem(400, 'Bad Request', detail, { errors })
export const unauthorized = (detail = 'Authentication is required', type?: string) =>
  new Problem(401, 'Unauthorized', detail, { type, headers: { 'www-authenticate': 'Bearer realm="ytempire"' } })
export const forbidden = (detail = 'You are not allowed to do this', type?: string) => new Problem(403, 'Forbidden', detail, { type })
export const notFound = (what = 'Resource') => new Problem(404, 'Not Found', `${what} not found`)
export const conflict = (detail: string) => new Problem(409, 'Conflict', detail)
export const unprocessable = (detail: string, errors: FieldError[]) =>
  new Problem(422, 'Unprocessable Content', detail, { type: 'validation-error', errors })
/** 503 with Retry-After: a backing service is out, and the client should come back rather than give up. */
export const serviceUnavailable = (what: string, retryAfterS = 5) =>
  new Problem(503, 'Service Unavailable', `${what} is unreachable at the moment; retry in a few seconds`, {
    type: 'service-unavailable',
    headers: { 'Retry-After': String(retryAfterS) },
  })
