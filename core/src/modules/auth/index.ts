import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard, chargeRefresh } from './guard'
import { LoginBody, LogoutBody, MfaCodeBody, MfaDisableBody, PublicUser, RefreshBody, RegisterBody, TokenPair } from './model'
import type { AuthService } from './service'
import { webSessionRoutes } from './web'

export function authModule(deps: Deps, auth: AuthService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'auth-module', seed: deps.instanceId, prefix: '/auth', detail: { tags: ['auth'] } })
    .use(authGuard(deps, apiKeys))
    .use(webSessionRoutes(deps, auth, apiKeys))
    .post(
      '/register',
      async ({ body, ctx, request, set }) => {
        set.status = 201
        return auth.register(body, ctx, request.headers.get('user-agent') ?? undefined)
      },
      {
        anonymous: true,
        body: RegisterBody,
        response: { 201: PublicUser },
        detail: {
          summary: 'Create an account',
          description: 'Password: at least 12 characters with a special character. The first account of an installation becomes its admin.',
        },
      },
    )
    .post('/login', ({ body, ctx, request }) => auth.login(body, ctx, request.headers.get('user-agent') ?? undefined), {
      anonymous: true,
      body: LoginBody,
      response: { 200: TokenPair },
      detail: {
        summary: 'Sign in',
        description:
          'Returns a 15-minute RS256 access token and a 7-day rotating refresh token. With MFA on, send mfaCode or recoveryCode.',
      },
    })
    .post('/refresh', ({ body, ctx, request, set }) => auth.refresh(body.refreshToken, ctx, chargeRefresh(deps, request, ctx, set)), {
      anonymous: true,
      body: RefreshBody,
      response: { 200: TokenPair },
      detail: {
        summary: 'Rotate the refresh token',
        description:
          'Each refresh token works once; presenting a spent one revokes the whole session. Rate-limited per session, not per address.',
      },
    })
    .post(
      '/logout',
      async ({ body, ctx, request, set }) => {
        let sessionId: string | undefined
        let userId: string | undefined
        const bearer = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '')
        if (bearer && !bearer.startsWith('ytk_')) {
          const claims = await deps.keys.verifyAccessToken(bearer).catch(() => undefined)
          sessionId = claims?.sid
          userId = claims?.sub
        }
        await auth.logout({ refreshToken: body?.refreshToken, sessionId, userId }, ctx)
        set.status = 204
      },
      {
        anonymous: true,
        body: LogoutBody,
        detail: { summary: 'End the session', description: 'Send the refresh token in the body, or the access token as Bearer.' },
      },
    )
    .post('/mfa/enroll', ({ principal, ctx }) => auth.enrollMfa(principal.userId, ctx), {
      auth: { access: 'read', interactive: true },
      response: { 200: t.Object({ secret: t.String(), otpauthUri: t.String() }) },
      detail: {
        summary: 'Start TOTP enrollment',
        description: 'Returns the secret and an otpauth:// URI for an authenticator app; confirm with a code to turn MFA on.',
      },
    })
    .post('/mfa/confirm', ({ principal, ctx, body }) => auth.confirmMfa(principal.userId, body.code, ctx), {
      auth: { access: 'read', interactive: true },
      body: MfaCodeBody,
      response: { 200: t.Object({ recoveryCodes: t.Array(t.String()) }) },
      detail: { summary: 'Turn MFA on', description: 'Returns ten one-time recovery codes, shown only this once.' },
    })
    .post(
      '/mfa/disable',
      async ({ principal, ctx, body, set }) => {
        await auth.disableMfa(principal.userId, body, ctx)
        set.status = 204
      },
      {
        auth: { access: 'read', interactive: true },
        body: MfaDisableBody,
        detail: { summary: 'Turn MFA off (needs a current code or a recovery code)' },
      },
    )
}
