import { rateLimitOf } from '@ytempire/contract'
import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { pathOf, type RequestContext, requestContext } from '../../http/plugin'
import { forbidden, unauthorized } from '../../http/problem'
import type { ApiKeyService } from '../api-keys/service'
import { createGrants, grantFrom } from './grants'
import { type Access, type Principal, roleAllowsScope, scopesFor } from './principal'

/**
 * What a route needs. `interactive`: a session from a password sign-in, never an API key (nor a
 * grant); for what a leaked key must not be able to do (take over or lock out the account: MFA,
 * password, sessions, deletion, new keys). `grant: true` also admits a signed read grant in the
 * query (see grants.ts): for <video>, <img> and new tabs.
 */
export type AuthOption = Access | { access: Access; interactive?: boolean; grant?: boolean }

/** The rate-limit class and subject of a request: the contract's table, the one the edge applies too. */
export const rateLimitOfRequest = (request: Request) => {
  const path = pathOf(request.url)
  const query = path.indexOf('?')
  return rateLimitOf(request.method, query === -1 ? path : path.slice(0, query))
}

/**
 * For a route whose table row charges the refresh-token family: counts the attempt against the
 * family once the token has named it, or against the client address when it names none.
 */
export function chargeRefresh(deps: Deps, request: Request, ctx: RequestContext, set: { headers: Record<string, unknown> }) {
  return async (familyId: string | undefined) => {
    const subject = familyId ? `family:${familyId}` : `ip:${ctx.clientIp}`
    Object.assign(set.headers, (await deps.limiter.enforce(rateLimitOfRequest(request).cls, subject)).headers)
  }
}

/**
 * Route guards as macros. Both run before the request's body, query and params are validated, so a
 * caller who may not use a route learns nothing of its fields.
 *  - `auth: 'read' | 'write' | 'admin' | {access, interactive, grant}` authenticates (JWT, API key or
 *    grant), checks the role and the key's scopes, slides the session, and counts the caller's rate limit.
 *  - `anonymous: true` counts an unauthenticated route's limit by client IP (a route whose table row
 *    charges the refresh-token family counts in its handler, with `chargeRefresh`).
 * The class comes from the contract's table (`rateLimitOf`), never from the route.
 */
export function authGuard(deps: Deps, apiKeys: ApiKeyService) {
  const principals = new WeakMap<Request, Principal>()
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
        async transform({ request, set }) {
          const { access, interactive, grant } = typeof option === 'string' ? { access: option, interactive: false, grant: false } : option
          const authorization = request.headers.get('authorization')
          const principal = (grant && !authorization && fromGrant(request)) || (await authenticate(authorization))
          // One Redis round trip counts the rate limit and slides the session's idle timer.
          const slide = principal.sessionId ? deps.sessions.slideSpec(principal.sessionId) : undefined
          const route = rateLimitOfRequest(request)
          const limits = await deps.limiter.enforce(route.perPath ? 'default' : route.cls, principal.userId, slide)
          if (slide && !limits.slid)
            throw unauthorized('The session has ended (signed out or idle for an hour); sign in again', 'session-ended')
          Object.assign(set.headers, limits.headers)
          if (!roleAllowsScope(principal.role, access))
            throw forbidden(
              access === 'admin'
                ? 'Administrators only'
                : `Your role (${principal.role}) cannot ${access === 'write' ? 'change' : 'read'} this`,
            )
          if (interactive && principal.via !== 'jwt')
            throw forbidden('This needs a session from a password sign-in; API keys cannot do it', 'interactive-session-required')
          if (!principal.scopes.includes(access)) throw forbidden(`This API key lacks the "${access}" scope`)
          if (route.perPath) {
            const path = pathOf(request.url).split('?')[0]!
            Object.assign(set.headers, (await deps.limiter.enforceOnce(route.cls, principal.userId, path)).headers)
          }
          if (request.method !== 'GET' && request.method !== 'HEAD') await deps.reads.wrote(principal.userId)
          principals.set(request, principal)
        },
        resolve: ({ request }) => ({ principal: principals.get(request)!, ctx: requestContext(request) }),
      }),
      anonymous: {
        async transform({ request, set }) {
          const { cls, subject } = rateLimitOfRequest(request)
          if (subject === 'token-family') return
          Object.assign(set.headers, (await deps.limiter.enforce(cls, `ip:${requestContext(request).clientIp}`)).headers)
        },
        resolve: ({ request }) => ({ ctx: requestContext(request) }),
      },
    })
    .as('scoped')
}
