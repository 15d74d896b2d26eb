// Browser sessions. A page must not be able to read the refresh token (an injected script would steal a
// 7-day credential), so for browsers it rides in an HttpOnly cookie scoped to /v1/auth. A cookie is sent
// by the browser on its own, so the routes that read it also demand:
//  - an Origin header naming an origin this core serves (PUBLIC_URL, the request's own host, CORS_ORIGINS);
//  - a CSRF token in X-CSRF-Token equal to HMAC(key, session id) (a "signed double-submit" token: the
//    readable yt_csrf cookie carries it across page loads, another site can neither read it nor forge it
//    for the victim's session, and it survives refresh-token rotation because the session id does).
import { createHmac } from 'node:crypto'
import type { Config } from '../../config'
import { timingSafeEqualHex } from '../../crypto/hash'
import { forbidden } from '../../http/problem'

export const REFRESH_COOKIE = 'yt_refresh'
export const CSRF_COOKIE = 'yt_csrf'
export const CSRF_HEADER = 'x-csrf-token'
const REFRESH_COOKIE_PATH = '/v1/auth'

/** A key for one purpose, derived from SECRET_KEYS (the first signs, all verify, so keys can rotate). */
export function derivedKeys(config: Pick<Config, 'secretKeys'>, purpose: string): Buffer[] {
  return config.secretKeys.map((k) => createHmac('sha256', k.key).update(`ytempire:${purpose}`).digest())
}

export function createWebSessions(config: Pick<Config, 'secretKeys' | 'publicUrl' | 'corsOrigins' | 'refreshTtlS'>) {
  const keys = derivedKeys(config, 'csrf')
  const mac = (key: Buffer, sessionId: string) => createHmac('sha256', key).update(sessionId).digest('hex')
  const trusted = new Set([new URL(config.publicUrl).origin, ...config.corsOrigins])

  const cookie = (name: string, value: string, path: string, maxAgeS: number, httpOnly: boolean) =>
    `${name}=${value}; Path=${path}; Max-Age=${maxAgeS}; Secure; SameSite=Strict${httpOnly ? '; HttpOnly' : ''}`

  return {
    csrfToken: (sessionId: string) => mac(keys[0]!, sessionId),

    /** Refuses a cookie-carrying request from another site: Origin must be one this core serves. */
    checkOrigin(request: Request) {
      const origin = request.headers.get('origin')
      if (!origin) throw forbidden('A browser session request must carry an Origin header')
      const own = request.url.slice(0, request.url.indexOf('/', request.url.indexOf('//') + 2))
      if (origin !== own && !trusted.has(origin)) throw forbidden(`Origin ${origin} may not use this session`)
    },

    checkCsrf(sessionId: string, token: string | null | undefined) {
      if (!token || !keys.some((k) => timingSafeEqualHex(mac(k, sessionId), token)))
        throw forbidden('The CSRF token is missing or does not match this session (send the yt_csrf cookie value as X-CSRF-Token)')
    },

    refreshFrom(request: Request): string | undefined {
      return readCookie(request.headers.get('cookie'), REFRESH_COOKIE)
    },

    /** Set-Cookie values that open (or rotate) a browser session. */
    open(refreshToken: string, sessionId: string): string[] {
      return [
        cookie(REFRESH_COOKIE, refreshToken, REFRESH_COOKIE_PATH, config.refreshTtlS, true),
        cookie(CSRF_COOKIE, mac(keys[0]!, sessionId), '/', config.refreshTtlS, false),
      ]
    },

    close(): string[] {
      return [cookie(REFRESH_COOKIE, '', REFRESH_COOKIE_PATH, 0, true), cookie(CSRF_COOKIE, '', '/', 0, false)]
    },
  }
}
export type WebSessions = ReturnType<typeof createWebSessions>

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}
