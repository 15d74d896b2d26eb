import type { MiddlewareHandler } from 'hono'

/** Section 4.4 of the technical architecture (SECURITY_HEADERS). */
export const SEED_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-XSS-Protection': '1; mode=block',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'Content-Security-Policy': "default-src 'self'",
  'Referrer-Policy': 'strict-origin-when-cross-origin',
}

/**
 * Adds the security headers to every response, the edge's own errors included. A header the
 * origin already chose (say a wider CSP for its API docs page) is left as the origin set it.
 */
export function securityHeaders(headers: Record<string, string> = SEED_SECURITY_HEADERS): MiddlewareHandler {
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
