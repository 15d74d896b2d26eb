import type { MiddlewareHandler } from 'hono'
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose'
import { ANONYMOUS } from '../../principal'
import { problemException } from '../../problem'
import type { EdgeEnv } from '../../types'
import { API_KEY_PREFIX, type ApiKeyVerifier } from './api-key'

export interface AuthOptions {
  jwksUrl: URL
  issuer: string
  audience: string
  verifyApiKey: ApiKeyVerifier
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i

function unauthorized(detail: string, error = 'invalid_token') {
  return problemException(401, 'unauthorized', 'Unauthorized', detail, {
    'www-authenticate': `Bearer error="${error}", error_description="${detail}"`,
  })
}

/**
 * Verifies the caller's credential before the origin sees the request. No credential means
 * anonymous (the core decides what an anonymous caller may do); a bad one is refused with 401.
 */
export function auth(options: AuthOptions): MiddlewareHandler<EdgeEnv> {
  if (!options.issuer || !options.audience) throw new Error('auth: issuer and audience are required')
  // Created once per isolate: jose caches the key set and refetches on an unknown kid (rotation).
  const jwks = createRemoteJWKSet(options.jwksUrl, {
    cacheMaxAge: 10 * 60_000,
    cooldownDuration: 30_000,
    timeoutDuration: 5_000,
  })
  const verifyOptions = {
    algorithms: ['RS256'],
    issuer: options.issuer,
    audience: options.audience,
    typ: 'JWT',
    requiredClaims: ['sub', 'exp', 'iat'],
  }

  return async function auth(c, next) {
    const header = c.req.header('authorization')
    if (header === undefined) {
      c.set('principal', ANONYMOUS)
      return next()
    }
    const token = BEARER.exec(header)?.[1]
    if (!token) throw unauthorized('Authorization must be a Bearer token', 'invalid_request')

    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await options.verifyApiKey(token, c)
      if (!key) throw unauthorized('The API key is not valid')
      c.set('principal', { kind: 'api_key', userId: key.userId, keyHash: key.keyHash })
      return next()
    }

    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, jwks, verifyOptions))
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
        // Without the key set no token can be judged; that is the origin's outage, not the caller's fault.
        console.error(JSON.stringify({ msg: 'jwks unavailable', requestId: c.get('requestId'), error: String(err) }))
        throw problemException(502, 'origin-unavailable', 'Bad Gateway', 'Signing keys are unavailable; try again shortly.')
      }
      throw unauthorized(err instanceof errors.JWTExpired ? 'The access token has expired' : 'The access token is not valid')
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('The access token has no subject')
    c.set('principal', {
      kind: 'user',
      userId: payload.sub,
      sessionId: typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined,
      role: typeof payload.role === 'string' ? payload.role : undefined,
    })
    return next()
  }
}
