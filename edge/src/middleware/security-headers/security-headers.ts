import { SECURITY_HEADERS } from '@ytempire/contract'
import type { MiddlewareHandler } from 'hono'

/**
 * Adds the seed's security headers (@ytempire/contract's table, the one the core sends too) to every
 * response, the edge's own errors included. A header the origin already chose (say a wider CSP for
 * its API docs page) is left as the origin set it.
 */
export function securityHeaders(headers: Readonly<Record<string, string>> = SECURITY_HEADERS): MiddlewareHandler {
  const entries = Object.entries(headers)
  for (const [name, value] of entries) {
    if (!/^[A-Za-z0-9-]+$/.test(name) || !value) throw new Error(`securityHeaders: bad header ${JSON.stringify(name)}`)
  }
  return async function securityHeaders(c, next) {
    await next()
    for (const [name, value] of entries) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value)
    }
  }
}
