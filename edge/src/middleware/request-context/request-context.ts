import type { MiddlewareHandler } from 'hono'
import type { EdgeEnv } from '../../types'

// A caller-chosen id is kept only when it is short and plain, so logs cannot be forged with it.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Sets the request id (echoed in `X-Request-Id`) and the client IP for everything downstream. */
export function requestContext(): MiddlewareHandler<EdgeEnv> {
  return async function requestContext(c, next) {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
    c.set('requestId', requestId)
    // Cloudflare overwrites CF-Connecting-IP at its edge, so a caller cannot choose it.
    c.set('clientIp', c.req.header('cf-connecting-ip') || 'unknown')
    await next()
    c.res.headers.set('X-Request-Id', requestId)
  }
}
