import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { forbidden, unauthorized } from '../../http/problem'
import { strict } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { createGrants, GRANT_PARAM, GRANT_TTL_S } from './grants'
import { authGuard, chargeRefresh } from './guard'
import { LoginBody, PublicUser } from './model'
import type { AuthService } from './service'
import { CSRF_HEADER, createWebSessions } from './web-session'

const WebSession = t.Object({
  tokenType: t.Literal('Bearer'),
  accessToken: t.String({ description: 'Keep it in memory only' }),
  expiresIn: t.Number(),
  refreshExpiresIn: t.Number(),
  csrfToken: t.String({ description: 'Send as X-CSRF-Token to /v1/auth/web/refresh and /logout (also in the yt_csrf cookie)' }),
  user: PublicUser,
})
const CsrfHeaders = t.Object({ [CSRF_HEADER]: t.Optional(t.String({ maxLength: 128 })) })
// Paths a grant may open: the routes that accept one (`grant: true`), and the admin queue dashboard.
const GRANTABLE = [/^\/v1\/videos\/[0-9a-f-]{36}\/(file|thumbnail)$/, /^\/admin\/queues$/]

/** Sign-in for browsers: the refresh token in an HttpOnly cookie, CSRF token and Origin checked (see web-session.ts). */
export function webSessionRoutes(deps: Deps, auth: AuthService, apiKeys: ApiKeyService) {
  const web = createWebSessions(deps.config)
  const grants = createGrants(deps.config)
  const sessionOf = (tokens: { accessToken: string }) =>
    JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString()).sid as string
  const opened = (tokens: Awaited<ReturnType<AuthService['login']>>, set: { headers: Record<string, unknown> }) => {
    const sid = sessionOf(tokens)
    set.headers['set-cookie'] = web.open(tokens.refreshToken, sid)
    set.headers['cache-control'] = 'no-store'
    const { refreshToken: _kept, ...rest } = tokens
    return { ...rest, csrfToken: web.csrfToken(sid) }
  }

  return new Elysia({ name: 'auth-web-module', seed: deps.instanceId, detail: { tags: ['auth'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '/web/login',
      async ({ body, ctx, request, set }) => {
        web.checkOrigin(request)
        return opened(await auth.login(body, ctx, request.headers.get('user-agent') ?? undefined), set)
      },
      {
        anonymous: true,
        body: LoginBody,
        response: { 200: WebSession },
        detail: {
          summary: 'Sign in from a browser',
          description:
            'Like /login, but the refresh token is set as an HttpOnly; Secure; SameSite=Strict cookie (Path=/v1/auth) and never appears in the body. Needs a matching Origin.',
        },
      },
    )
    .post(
      '/web/refresh',
      async ({ ctx, request, headers, set }) => {
        web.checkOrigin(request)
        const refreshToken = web.refreshFrom(request)
        if (!refreshToken) throw unauthorized('No browser session: sign in', 'no-session')
        const session = await auth.findSession(refreshToken)
        if (!session) {
          set.headers['set-cookie'] = web.close()
          throw unauthorized('Unknown refresh token', 'invalid-refresh-token')
        }
        web.checkCsrf(session.familyId, headers[CSRF_HEADER])
        try {
          return opened(await auth.refresh(refreshToken, ctx, chargeRefresh(deps, request, ctx, set)), set)
        } catch (err) {
          set.headers['set-cookie'] = web.close()
          throw err
        }
      },
      {
        anonymous: true,
        headers: CsrfHeaders,
        response: { 200: WebSession },
        detail: {
          summary: 'Rotate the browser session',
          description: 'Reads the refresh cookie; needs X-CSRF-Token and a matching Origin. Sets the rotated cookie.',
        },
      },
    )
    .post(
      '/web/logout',
      async ({ ctx, request, headers, set }) => {
        web.checkOrigin(request)
        const refreshToken = web.refreshFrom(request)
        const session = refreshToken ? await auth.findSession(refreshToken) : undefined
        if (session) {
          web.checkCsrf(session.familyId, headers[CSRF_HEADER])
          await auth.logout({ refreshToken }, ctx)
        }
        set.headers['set-cookie'] = web.close()
        set.status = 204
      },
      {
        anonymous: true,
        headers: CsrfHeaders,
        detail: { summary: 'Sign out a browser session', description: 'Ends the session and clears its cookies.' },
      },
    )
    .post(
      '/grants',
      ({ principal, body }) => {
        if (!principal.sessionId) throw forbidden('Grants are for signed-in browser sessions, not API keys')
        const expiresAt = Math.floor(Date.now() / 1000) + GRANT_TTL_S
        return {
          expiresAt: new Date(expiresAt * 1000).toISOString(),
          grants: body.paths.map((path) => {
            if (!GRANTABLE.some((re) => re.test(path)))
              throw forbidden(`No grant can open ${path}: only video files, thumbnails and the queue dashboard`)
            if (path.startsWith('/admin/') && principal.role !== 'admin') throw forbidden('Administrators only')
            const token = grants.sign({ path, userId: principal.userId, role: principal.role, sessionId: principal.sessionId!, expiresAt })
            return { path, url: `${path}?${GRANT_PARAM}=${token}` }
          }),
        }
      },
      {
        auth: 'read',
        body: t.Object({ paths: t.Array(t.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50 }) }, strict),
        response: { 200: t.Object({ expiresAt: t.String(), grants: t.Array(t.Object({ path: t.String(), url: t.String() })) }) },
        detail: {
          summary: 'Signed links for what a browser loads without headers',
          description: `A <video>, <img> or new tab cannot send the access token; a grant (valid ${GRANT_TTL_S} s, read only, ended with the session) opens one path.`,
        },
      },
    )
}
