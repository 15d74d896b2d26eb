// The core's side of Google: the OAuth 2.0 client (consent URL with PKCE, code exchange, refresh,
// revoke) and the Data API calls the core makes itself (channels.list). google-auth-library and
// googleapis make every call; every endpoint comes from configuration.
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library'
// The YouTube API alone: the googleapis root module loads every Google API (~1.7 s at start).
import { youtube, type youtube_v3 } from 'googleapis/build/src/apis/youtube'
import type { YouTubeConfig } from './config'
import { GrantRevokedError } from './grant-revoked-error'

export interface GoogleTokens {
  accessToken: string
  /** ms since the epoch */
  expiresAt: number
  refreshToken?: string
  scopes: string[]
}

export interface YouTubeChannelInfo {
  id: string
  title: string
  thumbnailUrl: string | null
  /** Custom thumbnails need a verified channel, the same verification that unlocks long uploads. */
  customThumbnails: boolean
}

export interface GoogleClient {
  authorizationUrl(opts: { state: string; codeChallenge: string; scopes: string[] }): string
  /** PKCE verifier and challenge (S256). */
  codeVerifier(): Promise<{ codeVerifier: string; codeChallenge: string }>
  exchangeCode(code: string, codeVerifier: string): Promise<GoogleTokens>
  /** A fresh access token; throws GrantRevokedError when Google says invalid_grant. */
  refresh(refreshToken: string): Promise<GoogleTokens>
  /** Revokes the grant; false when Google no longer knew the token (already revoked). */
  revoke(token: string): Promise<boolean>
  /** The YouTube channel of the account the access token belongs to (channels.list mine=true). */
  myChannel(accessToken: string): Promise<YouTubeChannelInfo | null>
}

export function createGoogleClient(config: YouTubeConfig): GoogleClient {
  const oauth = () =>
    new OAuth2Client({
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      redirectUri: config.redirectUri,
      endpoints: { oauth2AuthBaseUrl: config.authUrl, oauth2TokenUrl: config.tokenUrl, oauth2RevokeUrl: config.revokeUrl },
    })
  const tokensOf = (t: {
    access_token?: string | null
    expiry_date?: number | null
    refresh_token?: string | null
    scope?: string
  }): GoogleTokens => {
    if (!t.access_token) throw new Error('Google answered without an access token')
    return {
      accessToken: t.access_token,
      expiresAt: t.expiry_date ?? Date.now() + 3000_000,
      refreshToken: t.refresh_token ?? undefined,
      scopes: t.scope?.split(' ').filter(Boolean) ?? [],
    }
  }

  return {
    authorizationUrl: ({ state, codeChallenge, scopes }) =>
      oauth().generateAuthUrl({
        access_type: 'offline',
        // Without consent Google returns a refresh token only on the first grant ever.
        prompt: 'consent',
        include_granted_scopes: true,
        scope: scopes,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: CodeChallengeMethod.S256,
      }),
    async codeVerifier() {
      const { codeVerifier, codeChallenge } = await oauth().generateCodeVerifierAsync()
      if (!codeChallenge) throw new Error('no PKCE challenge')
      return { codeVerifier, codeChallenge }
    },
    async exchangeCode(code, codeVerifier) {
      const { tokens } = await oauth().getToken({ code, codeVerifier })
      return tokensOf(tokens)
    },
    async refresh(refreshToken) {
      const client = oauth()
      client.setCredentials({ refresh_token: refreshToken })
      try {
        const { credentials } = await client.refreshAccessToken()
        return tokensOf(credentials)
      } catch (err) {
        if (oauthError(err) === 'invalid_grant') throw new GrantRevokedError(oauthErrorDescription(err))
        throw err
      }
    },
    async revoke(token) {
      try {
        await oauth().revokeToken(token)
        return true
      } catch (err) {
        if (oauthError(err) === 'invalid_token') return false
        throw err
      }
    },
    async myChannel(accessToken) {
      const client = oauth()
      client.setCredentials({ access_token: accessToken })
      const api: youtube_v3.Youtube = youtube({ version: 'v3', auth: client, rootUrl: config.apiRoot })
      const { data } = await api.channels.list({ part: ['snippet', 'status'], mine: true })
      const c = data.items?.[0]
      if (!c?.id) return null
      return {
        id: c.id,
        title: c.snippet?.title ?? c.id,
        thumbnailUrl: c.snippet?.thumbnails?.default?.url ?? null,
        customThumbnails: c.status?.longUploadsStatus === 'allowed',
      }
    },
  }
}

/** The OAuth error code of a failed token or revoke call (`invalid_grant`, `invalid_token`...). */
export function oauthError(err: unknown): string | undefined {
  const data = (err as { response?: { data?: unknown } })?.response?.data
  return typeof data === 'object' && data && 'error' in data && typeof data.error === 'string' ? data.error : undefined
}

function oauthErrorDescription(err: unknown): string {
  const data = (err as { response?: { data?: { error_description?: unknown } } })?.response?.data
  return typeof data?.error_description === 'string' ? data.error_description : 'the grant was revoked or has expired'
}

/** The `reason` of a Data API error body (`quotaExceeded`, `uploadLimitExceeded`, `forbidden`...). */
export function youtubeErrorReason(err: unknown): string | undefined {
  const data = (err as { response?: { data?: { error?: { errors?: { reason?: string }[] } } } })?.response?.data
  return data?.error?.errors?.[0]?.reason
}
