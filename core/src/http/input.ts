// Input no handler should ever see: bodies nested to exhaust the validator (it recurses once per
// level, and in development Elysia pretty-prints the whole value into the error), and strings
// PostgreSQL cannot store (it refuses NUL bytes, and a lone surrogate is not UTF-8).
import { type FieldError, Problem, unprocessable } from './problem'

/** Deeper than any body this API takes (a video request with a script is 5 levels). */
export const MAX_BODY_DEPTH = 16
/** How much of a field's path an error echoes back. */
export const MAX_ECHOED_FIELD = 200

/**
 * Every body this API validates is a JSON object (uploads and Stripe's webhook read theirs raw and
 * never get a parsed body). Anything else is refused before a validator describes how it differs
 * from the route's schema.
 */
export function assertJsonObjectBody(body: unknown, contentType: string | null): void {
  if (body === undefined) return
  if (!/^application\/json\s*(;|$)/i.test(contentType ?? ''))
    throw new Problem(415, 'Unsupported Media Type', 'Send the body as JSON with Content-Type: application/json', {
      type: 'unsupported-media-type',
    })
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new Problem(400, 'Bad Request', 'The request body must be a JSON object', { type: 'body-not-object' })
}

/** Throws 400 when a parsed body nests deeper than MAX_BODY_DEPTH; iterative, so the check itself cannot overflow. */
export function assertBodyDepth(body: unknown): void {
  if (body === null || typeof body !== 'object') return
  const stack: [unknown, number][] = [[body, 1]]
  while (stack.length) {
    const [value, depth] = stack.pop()!
    if (depth > MAX_BODY_DEPTH)
      throw new Problem(400, 'Bad Request', `The JSON body nests deeper than ${MAX_BODY_DEPTH} levels`, { type: 'body-too-deep' })
    for (const child of Array.isArray(value) ? value : Object.values(value as object))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
}

const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** A string PostgreSQL can store: no NUL byte, and well-formed UTF-16 (no lone surrogate). */
export const storable = (s: string) => !UNSTORABLE.test(s)

const MESSAGE = 'must not contain NUL bytes or unpaired surrogates'

/** Fields (dotted paths) of a request's body, query or params holding a string PostgreSQL cannot store. */
export function unstorableFields(value: unknown, prefix = ''): FieldError[] {
  const found: FieldError[] = []
  const field = (path: string) => path.slice(0, MAX_ECHOED_FIELD).replace(new RegExp(UNSTORABLE, 'g'), '\uFFFD')
  const stack: [unknown, string][] = [[value, prefix]]
  while (stack.length && found.length < 20) {
    const [v, path] = stack.pop()!
    if (typeof v === 'string') {
      if (!storable(v)) found.push({ field: field(path || 'body'), message: MESSAGE })
    } else if (Array.isArray(v)) {
      for (const [i, child] of v.entries()) stack.push([child, path ? `${path}.${i}` : String(i)])
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const childPath = path ? `${path}.${key}` : key
        if (!storable(key)) found.push({ field: field(childPath), message: `its name ${MESSAGE}` })
        else stack.push([child, childPath])
      }
    }
  }
  return found
}

/** Throws 422 naming every field of body, query and path parameters PostgreSQL could not store. */
export function assertStorable(request: { body?: unknown; query?: unknown; params?: unknown }): void {
  const errors = [...unstorableFields(request.params), ...unstorableFields(request.query), ...unstorableFields(request.body)]
  if (errors.length) throw unprocessable(`Invalid characters in ${errors.map((e) => e.field).join(', ')}`, errors)
}
