import type { RateLimitClass } from '@ytempire/contract'
import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { pathOf, requestContext } from '../../http/plugin'
import { forbidden, unauthorized } from '../../http/problem'
import type { ApiKeyService } from '../api-keys/service'
import { createGrants, grantFrom } from './grants'
import { type Access, type Principal, roleAllowsScope, scopesFor } from './principal'

/** `grant: true` also admits a signed read grant in the query (see grants.ts): for <video>, <img> and new tabs. */
export type AuthOption = Access | { access: Access; rate?: RateLimitClass; grant?: boolean }

/**
 * Route guards as macros:
 *  - `auth: 'read' | 'write' | 'admin' | {access, rate}` authenticates (JWT or API key), checks the
 *    role and the key's scopes, slides the session, and counts the caller's rate limit.
 *  - `anonymous: <rate class>` counts an unauthenticated route's limit by client IP.
 */
export function authGuard(deps: Deps, apiKeys: ApiKeyService) {
  const grants = createGrants(deps.config)

  function fromGrant(request: Request): Principal | undefined {
    const token = grantFrom(request.url)
    if (!token) return undefined
    const path = pathOf(request.url).split('?')[0]!
    const grant = grants.verify(token, path)
    if (!grant) throw unauthorized('The link has expired or does not open this path; reload the page', 'invalid-grant')
    return { userId: grant.userId, role: grant.role, scopes: ['read'], via: 'grant', sessionId: grant.sessionId }
  }

  async function authenticate(authorization: string | null): Promise<Principal> {
    if (!authorization || !/^Bearer\s+/i.test(authorization)) throw unauthorized()
    const token = authorization.replace(/^Bearer\s+/i, '').trim()
    if (token.startsWith('ytk_')) return apiKeys.authenticate(token)
    let claims: Awaited<ReturnType<typeof deps.keys.verifyAccessToken>>
    try {
      claims = await deps.keys.verifyAccessToken(token)
    } catch {
      throw unauthorized('The access token is invalid or expired', 'invalid-token')
    }
    return { userId: claims.sub, role: claims.role, scopes: scopesFor(claims.role), via: 'jwt', sessionId: claims.sid }
  }

  return new Elysia({ name: 'auth-guard', seed: deps.instanceId })
    .macro({
      auth: (option: AuthOption) => ({
        async resolve({ request, set }) {
          const { access, rate, grant } = typeof option === 'string' ? { access: option, rate: undefined, grant: false } : option
          const authorization = request.headers.get('authorization')
          const principal = (grant && !authorization && fromGrant(request)) || (await authenticate(authorization))
          // One Redis round trip counts the rate limit and slides the session's idle timer.
          const slide = principal.sessionId ? deps.sessions.slideSpec(principal.sessionId) : undefined
          const limits = await deps.limiter.enforce(rate ?? 'default', principal.userId, slide).catch((e: unknown) => e as Error)
          if (limits instanceof Error) throw limits
          if (slide && !limits.slid)
            throw unauthorized('The session has ended (signed out or idle for an hour); sign in again', 'session-ended')
          Object.assign(set.headers, limits.headers)
          if (!roleAllowsScope(principal.role, access))
            throw forbidden(
              access === 'admin'
                ? 'Administrators only'
                : `Your role (${principal.role}) cannot ${access === 'write' ? 'change' : 'read'} this`,
            )
          if (!principal.scopes.includes(access)) throw forbidden(`This API key lacks the "${access}" scope`)
          if (request.method !== 'GET' && request.method !== 'HEAD') await deps.reads.wrote(principal.userId)
          return { principal, ctx: requestContext(request) }
        },
      }),
      anonymous: (rate: RateLimitClass) => ({
        async resolve({ request, set }) {
          const ctx = requestContext(request)
          Object.assign(set.headers, (await deps.limiter.enforce(rate, `ip:${ctx.clientIp}`)).headers)
          return { ctx }
        },
      }),
    })
    .as('scoped')
}
