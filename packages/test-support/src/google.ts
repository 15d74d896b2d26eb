// A local stand-in for Google's OAuth 2.0 server and the YouTube Data API v3, speaking their wire
// formats (form-encoded token requests, JSON resources, Google's error bodies), so the real
// google-auth-library and googleapis make every call in tests. Faults on command: dropped
// connections mid-upload, expired upload sessions, quotaExceeded / uploadLimitExceeded, revoked grants.
// It counts the YouTube videos it created, which is what exactly-once tests assert on. A browser
// opening the consent URL gets a consent page answered as `browserAccount` (Allow / Cancel).
// Analytics: videos.list statistics (at most 50 ids a call), the uploads playlist (playlistItems.list),
// Analytics API v2 reports.query (columnHeaders + rows; day and video dimensions; 403 for
// estimatedRevenue without the monetary scope or outside the Partner Program) with figures made up
// deterministically per video and day (or set by a test), and a WebSub hub (./websub-hub.ts).
// Extend it further with `route()`.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { FakeHub } from './websub-hub'

export { atomDeletedFeed, atomEntryFeed, FakeHub, type HubSubscription } from './websub-hub'

export interface FakeChannel {
  id: string
  title: string
  /** "allowed" = a verified channel, which may also set custom thumbnails */
  longUploadsStatus: 'allowed' | 'eligible' | 'disallowed'
  /** In the YouTube Partner Program: estimatedRevenue is answered (with the monetary scope) */
  partner?: boolean
}

/** One video's figures for one day, as reports.query answers them. */
export interface FakeDayMetrics {
  views: number
  estimatedMinutesWatched: number
  averageViewDuration: number
  subscribersGained: number
  estimatedRevenue: number
}

export interface FakeAccount {
  email: string
  /** null: a Google account without a YouTube channel */
  channel: FakeChannel | null
}

export interface FakeVideo {
  resource: Record<string, any>
  bytes: Uint8Array
  sha256: string
  thumbnail?: { contentType: string; bytes: Uint8Array }
}

export interface UploadEvent {
  kind: 'open' | 'chunk' | 'query'
  sessionId: string
  /** chunk: first and last byte of what was just committed */
  start?: number
  end?: number
  size: number
  /** chunk: this chunk completed the file (the video now exists) */
  final?: boolean
  videoId?: string
}

/** What the server does after an upload event: answer (undefined), cut the connection, or never answer. */
export type UploadAction = 'drop' | 'hang' | undefined

export type GoogleErrorKind = 'quotaExceeded' | 'uploadLimitExceeded' | 'forbidden' | 'backendError' | 'serviceUnavailable'
/** `upload` is a byte-carrying PUT to an upload session. */
type Method = 'videos.insert' | 'upload' | 'thumbnails.set' | 'videos.list' | 'channels.list' | 'playlistItems.list' | 'reports.query'

interface Grant {
  id: string
  account: FakeAccount
  scopes: string[]
  refreshToken: string
  revoked: boolean
}
interface Code {
  grant: Omit<Grant, 'id' | 'refreshToken' | 'revoked'>
  redirectUri: string
  challenge: string
  used: boolean
}
interface Session {
  id: string
  channel: FakeChannel
  metadata: Record<string, any>
  part: string
  size: number
  contentType: string
  chunks: Buffer[]
  received: number
  expired: boolean
  videoId?: string
}
type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) => Promise<void> | void

const ERRORS: Record<GoogleErrorKind, { code: number; domain: string; message: string; status?: string }> = {
  quotaExceeded: {
    code: 403,
    domain: 'youtube.quota',
    message: 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
  },
  uploadLimitExceeded: { code: 400, domain: 'youtube.video', message: 'The user has exceeded the number of videos they may upload.' },
  forbidden: {
    code: 403,
    domain: 'youtube.thumbnail',
    message: "The authenticated user doesn't have permissions to upload and set custom video thumbnails.",
  },
  backendError: { code: 500, domain: 'global', message: 'Backend Error', status: 'INTERNAL' },
  serviceUnavailable: { code: 503, domain: 'global', message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
}

/** Google's error body: `{ error: { code, message, errors: [{ message, domain, reason }] } }`. */
export function googleError(kind: GoogleErrorKind) {
  const e = ERRORS[kind]
  return {
    status: e.code,
    body: {
      error: {
        code: e.code,
        message: e.message,
        errors: [{ message: e.message, domain: e.domain, reason: kind }],
        ...(e.status ? { status: e.status } : {}),
      },
    },
  }
}

const token = (prefix: string, bytes = 24) => `${prefix}${randomBytes(bytes).toString('base64url')}`
const videoIdOf = () => randomBytes(8).toString('base64url').slice(0, 11)
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const SCOPE = {
  analytics: 'https://www.googleapis.com/auth/yt-analytics.readonly',
  monetary: 'https://www.googleapis.com/auth/yt-analytics-monetary.readonly',
}
const METRIC_TYPES: Record<keyof FakeDayMetrics, string> = {
  views: 'INTEGER',
  estimatedMinutesWatched: 'INTEGER',
  averageViewDuration: 'INTEGER',
  subscribersGained: 'INTEGER',
  estimatedRevenue: 'FLOAT',
}
/** The uploads playlist of a channel: its id with UC replaced by UU, as YouTube names it. */
export const uploadsPlaylistOf = (channelId: string) => `UU${channelId.slice(2)}`

/** A made-up but stable figure for a video on a day (FNV-1a of both). */
function hashOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export class FakeGoogle {
  readonly clientId = `${100000 + Math.floor(Math.random() * 899999)}-fake.apps.googleusercontent.com`
  readonly clientSecret = token('GOCSPX-', 18)
  url = ''
  readonly videos = new Map<string, FakeVideo>()
  /** every request, in order: `${method} ${path}` and its query */
  readonly requests: { method: string; path: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined> }[] = []
  /** every secret this server handed out (tokens, codes, upload session ids), for leak scans */
  readonly issued: string[] = []
  /** Who is signed in to Google in a browser that opens the consent page (GET of the authorization URL). */
  browserAccount?: FakeAccount
  /** Called on session open, after each committed chunk and on status queries; may kill a worker, cut or hang the answer. */
  onUpload?: (event: UploadEvent) => UploadAction | Promise<UploadAction>

  /** The WebSub hub, at `${url}/subscribe` (WEBSUB_HUB_URL) */
  readonly hub: FakeHub
  private server?: Server
  private readonly grants = new Map<string, Grant>()
  private readonly codes = new Map<string, Code>()
  private readonly accessTokens = new Map<string, { grant: Grant; expiresAt: number }>()
  private readonly sessions = new Map<string, Session>()
  private readonly faults: { method: Method; kind: GoogleErrorKind; times: number }[] = []
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = []
  private dropAfterBytes?: number
  private readonly dayMetrics = new Map<string, FakeDayMetrics>()
  private readonly byChannel = new Map<string, Record<string, any>[]>()
  private videosVersion = 0
  private indexedVersion = -1
  private indexedSize = -1

  constructor() {
    this.route('GET', /^\/o\/oauth2\/v2\/auth$/, (_req, res, url) => this.consentPage(res, url))
    this.route('POST', /^\/token$/, (req, res, _url, body) => this.tokenEndpoint(req, res, body))
    this.route('POST', /^\/revoke$/, (req, res, url, body) => this.revokeEndpoint(req, res, url, body))
    this.route('GET', /^\/youtube\/v3\/channels$/, (req, res, url) => this.channelsList(req, res, url))
    this.route('GET', /^\/youtube\/v3\/videos$/, (req, res, url) => this.videosList(req, res, url))
    this.route('POST', /^\/upload\/youtube\/v3\/videos$/, (req, res, url, body) => this.openSession(req, res, url, body))
    this.route('PUT', /^\/upload\/youtube\/v3\/videos$/, (req, res, url) => this.putBytes(req, res, url))
    this.route('POST', /^\/upload\/youtube\/v3\/thumbnails\/set$/, (req, res, url, body) => this.thumbnailsSet(req, res, url, body))
    this.route('GET', /^\/youtube\/v3\/playlistItems$/, (req, res, url) => this.playlistItemsList(req, res, url))
    this.route('GET', /^\/v2\/reports$/, (req, res, url) => this.reportsQuery(req, res, url))
    this.hub = new FakeHub(this)
  }

  /** Endpoints to configure the code under test with (GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL, ...). */
  get endpoints() {
    return {
      authUrl: `${this.url}/o/oauth2/v2/auth`,
      tokenUrl: `${this.url}/token`,
      revokeUrl: `${this.url}/revoke`,
      apiRoot: `${this.url}/`,
      analyticsRoot: `${this.url}/`,
    }
  }

  /** The environment variables the core reads, pointing at this server. */
  env(): Record<string, string> {
    const e = this.endpoints
    return {
      GOOGLE_CLIENT_ID: this.clientId,
      GOOGLE_CLIENT_SECRET: this.clientSecret,
      GOOGLE_AUTH_URL: e.authUrl,
      GOOGLE_TOKEN_URL: e.tokenUrl,
      GOOGLE_REVOKE_URL: e.revokeUrl,
      YOUTUBE_API_ROOT: e.apiRoot,
      YOUTUBE_ANALYTICS_ROOT: e.analyticsRoot,
      WEBSUB_HUB_URL: this.hub.url,
    }
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.dispatch(req, res).catch((err) => {
        if (!res.headersSent) this.json(res, 500, { error: { code: 500, message: String(err) } })
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const addr = this.server.address()
    if (!addr || typeof addr === 'string') throw new Error('no port')
    this.url = `http://127.0.0.1:${addr.port}`
    return this
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  /** Adds an endpoint (first match wins over nothing; later helpers extend the fake this way). */
  route(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push({ method, pattern, handler })
  }

  // ---- test controls ----

  /** The next `times` calls of `method` fail with Google's error body of `kind`. */
  failNext(method: Method, kind: GoogleErrorKind, times = 1): void {
    this.faults.push({ method, kind, times })
  }

  /** Cuts the connection once the current upload has `bytes` bytes in all (they are kept, as Google keeps them). */
  dropConnectionAt(bytes: number): void {
    this.dropAfterBytes = bytes
  }

  /** The session answers 404 from now on, as an expired one does. */
  expireSession(sessionId: string): void {
    const s = this.sessions.get(sessionId)
    if (s) s.expired = true
  }

  /** The user revoked the app at myaccount.google.com: refresh answers invalid_grant. */
  revokeGrant(refreshToken: string): void {
    for (const g of this.grants.values()) if (g.refreshToken === refreshToken) g.revoked = true
  }

  /** Every access token handed out so far stops working (they expire), refresh tokens still work. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.expiresAt = 0
  }

  get videosCreated(): number {
    return this.videos.size
  }

  get sessionsOpened(): number {
    return this.sessions.size
  }

  sessionIds(): string[] {
    return [...this.sessions.keys()]
  }

  /** Requests whose method and path match, e.g. calls('PUT', '/upload/youtube/v3/videos'). */
  calls(method: string, path: string) {
    return this.requests.filter((r) => r.method === method && r.path === path)
  }

  /**
   * A video on the channel that did not come through an upload here (published on youtube.com, or
   * seeded by a benchmark).
   */
  addVideo(channel: FakeChannel, opts: { id?: string; title?: string; publishedAt?: string; privacyStatus?: string } = {}): string {
    const id = opts.id ?? videoIdOf()
    const publishedAt = opts.publishedAt ?? new Date().toISOString()
    const title = opts.title ?? `Video ${id}`
    this.videos.set(id, {
      resource: {
        kind: 'youtube#video',
        etag: token('', 8),
        id,
        snippet: {
          publishedAt,
          channelId: channel.id,
          title,
          description: '',
          channelTitle: channel.title,
          localized: { title, description: '' },
        },
        status: {
          uploadStatus: 'processed',
          privacyStatus: opts.privacyStatus ?? 'public',
          license: 'youtube',
          embeddable: true,
          publicStatsViewable: true,
        },
      },
      bytes: new Uint8Array(),
      sha256: '',
    })
    this.videosVersion++
    return id
  }

  /** The owner changed the title on youtube.com. */
  renameVideo(id: string, title: string): void {
    const v = this.videos.get(id)
    if (!v) throw new Error(`no video ${id}`)
    v.resource.snippet.title = title
    v.resource.snippet.localized = { ...v.resource.snippet.localized, title }
  }

  /** The owner deleted it: videos.list and the uploads playlist no longer return it. */
  deleteVideo(id: string): void {
    this.videos.delete(id)
    this.videosVersion++
  }

  /** Sets a video's figures for a day (otherwise they are made up from its id and the day). */
  setDayMetrics(videoId: string, day: string, metrics: Partial<FakeDayMetrics>): void {
    this.dayMetrics.set(`${videoId}/${day}`, { ...this.metricsOf(videoId, day), ...metrics })
  }

  /** What reports.query answers for a video on a day: zero before it was published. */
  metricsOf(videoId: string, day: string): FakeDayMetrics {
    const set = this.dayMetrics.get(`${videoId}/${day}`)
    if (set) return set
    const published = this.videos.get(videoId)?.resource.snippet.publishedAt?.slice(0, 10)
    if (!published || day < published)
      return { views: 0, estimatedMinutesWatched: 0, averageViewDuration: 0, subscribersGained: 0, estimatedRevenue: 0 }
    const h = hashOf(`${videoId}/${day}`)
    const views = 50 + (h % 950)
    const averageViewDuration = 30 + ((h >>> 10) % 240)
    return {
      views,
      estimatedMinutesWatched: Math.round((views * averageViewDuration) / 60),
      averageViewDuration,
      subscribersGained: (h >>> 20) % 12,
      estimatedRevenue: Math.round(views * (0.5 + ((h >>> 4) % 300) / 100)) / 1000,
    }
  }

  /** The channel's videos, newest first (indexed per channel: a benchmark holds tens of thousands). */
  channelVideos(channelId: string): Record<string, any>[] {
    if (this.indexedVersion !== this.videosVersion || this.indexedSize !== this.videos.size) {
      this.byChannel.clear()
      for (const v of this.videos.values()) {
        const list = this.byChannel.get(v.resource.snippet.channelId) ?? []
        list.push(v.resource)
        this.byChannel.set(v.resource.snippet.channelId, list)
      }
      for (const list of this.byChannel.values())
        list.sort((a, b) => String(b.snippet.publishedAt).localeCompare(String(a.snippet.publishedAt)))
      this.indexedVersion = this.videosVersion
      this.indexedSize = this.videos.size
    }
    return this.byChannel.get(channelId) ?? []
  }

  liveRefreshTokens(): string[] {
    return [...this.grants.values()].filter((g) => !g.revoked).map((g) => g.refreshToken)
  }

  /** A grant as if the user had consented (benchmarks seed thousands of channels this way); answers its refresh token. */
  issueGrant(account: FakeAccount, scopes: string[]): string {
    const grant: Grant = { id: token('g', 8), account, scopes, refreshToken: token('1//0g', 40), revoked: false }
    this.grants.set(grant.id, grant)
    return grant.refreshToken
  }

  /**
   * The user consents on Google's page: checks the authorization URL the way Google does and
   * answers the redirect back to the app with `code` and `state`.
   */
  consent(authorizationUrl: string, account: FakeAccount, opts: { grantScopes?: string[] } = {}) {
    const u = new URL(authorizationUrl)
    const q = u.searchParams
    const fail = (why: string): never => {
      throw new Error(`consent refused by fake Google: ${why}`)
    }
    if (`${u.origin}${u.pathname}` !== this.endpoints.authUrl) fail(`wrong consent page ${u.origin}${u.pathname}`)
    if (q.get('client_id') !== this.clientId) fail('unknown client_id')
    if (q.get('response_type') !== 'code') fail('response_type must be code')
    const redirectUri = q.get('redirect_uri') ?? fail('redirect_uri missing')
    const state = q.get('state') ?? fail('state missing')
    if (q.get('code_challenge_method') !== 'S256') fail('PKCE S256 required')
    const challenge = q.get('code_challenge') ?? fail('code_challenge missing')
    const scopes = (q.get('scope') ?? fail('scope missing')).split(' ')
    const code = token('4/0A', 30)
    this.issued.push(code)
    const granted = opts.grantScopes ?? scopes
    this.codes.set(code, { grant: { account, scopes: granted }, redirectUri, challenge, used: false })
    const callback = new URL(redirectUri)
    callback.searchParams.set('code', code)
    callback.searchParams.set('state', state)
    callback.searchParams.set('scope', granted.join(' '))
    return { code, state, redirectUri, callbackUrl: callback.toString(), offline: q.get('access_type') === 'offline' }
  }

  /**
   * Google's consent page in a browser: `browserAccount` is asked, and its Allow and Cancel links go back to
   * the app's redirect URI the way Google's redirects do (`code`, `state`, `scope`; or `error=access_denied`).
   */
  private consentPage(res: ServerResponse, url: URL) {
    const page = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in - Google Accounts</title></head><body>${body}</body></html>`,
      )
    }
    const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    if (!this.browserAccount) return page(400, '<h1>No Google account is signed in in this browser</h1>')
    let consent: ReturnType<FakeGoogle['consent']>
    try {
      consent = this.consent(url.toString(), this.browserAccount)
    } catch (err) {
      return page(400, `<h1>Error 400: invalid_request</h1><p>${esc(String((err as Error).message))}</p>`)
    }
    const cancel = new URL(consent.redirectUri)
    cancel.searchParams.set('error', 'access_denied')
    cancel.searchParams.set('state', consent.state)
    const scopes = (url.searchParams.get('scope') ?? '').split(' ')
    page(
      200,
      `<main><h1>ytempire wants to access your Google Account</h1><p>${esc(this.browserAccount.email)}</p>` +
        `<ul>${scopes.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>` +
        `<p><a href="${esc(cancel.toString())}">Cancel</a> <a href="${esc(consent.callbackUrl)}">Allow</a></p></main>`,
    )
  }

  // ---- plumbing ----

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url)
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: { ...req.headers } })
    let cached: Promise<Buffer> | undefined
    const body = () =>
      (cached ??= new Promise<Buffer>((resolve, reject) => {
        const parts: Buffer[] = []
        req.on('data', (c: Buffer) => parts.push(c))
        req.on('end', () => resolve(Buffer.concat(parts)))
        req.on('error', reject)
      }))
    const route = this.routes.find((r) => r.method === req.method && r.pattern.test(url.pathname))
    if (!route)
      return this.json(res, 404, { error: { code: 404, message: `Not Found: ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } })
    await route.handler(req, res, url, body)
  }

  json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
    res.end(JSON.stringify(body))
  }

  private takeFault(method: Method): GoogleErrorKind | undefined {
    const f = this.faults.find((x) => x.method === method && x.times > 0)
    if (!f) return undefined
    f.times--
    return f.kind
  }

  private sendFault(res: ServerResponse, kind: GoogleErrorKind) {
    const { status, body } = googleError(kind)
    this.json(res, status, body)
  }

  /** The caller's grant from `Authorization: Bearer`, or a 401 in Google's shape. */
  authorize(req: IncomingMessage, res: ServerResponse, scope?: string): Grant | undefined {
    const header = req.headers.authorization ?? ''
    const t = this.accessTokens.get(header.replace(/^Bearer\s+/i, ''))
    if (!t || t.expiresAt < Date.now() || t.grant.revoked) {
      const message =
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
      this.json(res, 401, {
        error: {
          code: 401,
          message,
          errors: [
            { message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' },
          ],
          status: 'UNAUTHENTICATED',
        },
      })
      return undefined
    }
    if (scope && !t.grant.scopes.some((s) => s === scope || s === 'https://www.googleapis.com/auth/youtube')) {
      const message = 'Request had insufficient authentication scopes.'
      this.json(res, 403, {
        error: {
          code: 403,
          message,
          errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
          status: 'PERMISSION_DENIED',
        },
      })
      return undefined
    }
    return t.grant
  }

  private issueAccessToken(grant: Grant) {
    const accessToken = token('ya29.a0', 40)
    this.issued.push(accessToken)
    this.accessTokens.set(accessToken, { grant, expiresAt: Date.now() + 3599_000 })
    return accessToken
  }

  // ---- OAuth ----

  private async tokenEndpoint(_req: IncomingMessage, res: ServerResponse, body: () => Promise<Buffer>) {
    const form = new URLSearchParams((await body()).toString())
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret)
      return this.json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' })
    const grantType = form.get('grant_type')
    if (grantType === 'authorization_code') {
      const code = this.codes.get(form.get('code') ?? '')
      if (!code || code.used) return this.json(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' })
      code.used = true
      if (form.get('redirect_uri') !== code.redirectUri)
        return this.json(res, 400, { error: 'redirect_uri_mismatch', error_description: 'Bad Request' })
      const verifier = form.get('code_verifier')
      if (!verifier) return this.json(res, 400, { error: 'invalid_grant', error_description: 'Missing code verifier.' })
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge)
        return this.json(res, 400, { error: 'invalid_grant', error_description: 'Invalid code verifier.' })
      const grant: Grant = { ...code.grant, id: token('g', 8), refreshToken: token('1//0g', 40), revoked: false }
      this.issued.push(grant.refreshToken)
      this.grants.set(grant.id, grant)
      return this.json(res, 200, {
        access_token: this.issueAccessToken(grant),
        expires_in: 3599,
        refresh_token: grant.refreshToken,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      })
    }
    if (grantType === 'refresh_token') {
      const grant = [...this.grants.values()].find((g) => g.refreshToken === form.get('refresh_token'))
      if (!grant || grant.revoked)
        return this.json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' })
      return this.json(res, 200, {
        access_token: this.issueAccessToken(grant),
        expires_in: 3599,
        scope: grant.scopes.join(' '),
        token_type: 'Bearer',
      })
    }
    return this.json(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grantType}` })
  }

  private async revokeEndpoint(_req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) {
    const t = url.searchParams.get('token') ?? new URLSearchParams((await body()).toString()).get('token') ?? ''
    const grant = [...this.grants.values()].find((g) => g.refreshToken === t) ?? this.accessTokens.get(t)?.grant
    if (!grant || grant.revoked) return this.json(res, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' })
    // Revoking either token ends the whole grant.
    grant.revoked = true
    return this.json(res, 200, {})
  }

  // ---- Data API ----

  private channelsList(req: IncomingMessage, res: ServerResponse, url: URL) {
    const grant = this.authorize(req, res, 'https://www.googleapis.com/auth/youtube.readonly')
    if (!grant) return
    const fault = this.takeFault('channels.list')
    if (fault) return this.sendFault(res, fault)
    if (url.searchParams.get('mine') !== 'true') return this.json(res, 400, { error: { code: 400, message: 'only mine=true is faked' } })
    const c = grant.account.channel
    const parts = partsOf(url)
    const items = c
      ? [
          {
            kind: 'youtube#channel',
            etag: token('', 8),
            id: c.id,
            ...(parts.includes('snippet')
              ? {
                  snippet: {
                    title: c.title,
                    description: '',
                    customUrl: `@${c.title.toLowerCase().replace(/\W+/g, '')}`,
                    publishedAt: '2024-01-01T00:00:00Z',
                    thumbnails: { default: { url: `https://yt3.ggpht.com/${c.id}=s88`, width: 88, height: 88 } },
                    localized: { title: c.title, description: '' },
                  },
                }
              : {}),
            ...(parts.includes('status')
              ? { status: { privacyStatus: 'public', isLinked: true, longUploadsStatus: c.longUploadsStatus, madeForKids: false } }
              : {}),
            ...(parts.includes('contentDetails')
              ? { contentDetails: { relatedPlaylists: { likes: '', uploads: uploadsPlaylistOf(c.id) } } }
              : {}),
          },
        ]
      : []
    this.json(res, 200, {
      kind: 'youtube#channelListResponse',
      etag: token('', 8),
      pageInfo: { totalResults: items.length, resultsPerPage: 5 },
      items,
    })
  }

  private videosList(req: IncomingMessage, res: ServerResponse, url: URL) {
    const grant = this.authorize(req, res)
    if (!grant) return
    const fault = this.takeFault('videos.list')
    if (fault) return this.sendFault(res, fault)
    const ids = url.searchParams
      .getAll('id')
      .flatMap((v) => v.split(','))
      .filter(Boolean)
    if (ids.length > 50)
      return this.json(res, 400, {
        error: {
          code: 400,
          message: 'The request specifies an invalid filter parameter.',
          errors: [
            { message: 'The request specifies an invalid filter parameter.', domain: 'youtube.parameter', reason: 'invalidFilters' },
          ],
        },
      })
    const parts = partsOf(url)
    const items = ids
      .map((id) => this.videos.get(id)?.resource)
      .filter(
        (v): v is Record<string, any> => !!v && (v.status.privacyStatus === 'public' || v.snippet.channelId === grant.account.channel?.id),
      )
      .map((v) => (parts.includes('statistics') ? { ...v, statistics: this.statisticsOf(v.id) } : v))
    this.json(res, 200, {
      kind: 'youtube#videoListResponse',
      etag: token('', 8),
      pageInfo: { totalResults: items.length, resultsPerPage: 5 },
      items,
    })
  }

  private async openSession(req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) {
    const grant = this.authorize(req, res, 'https://www.googleapis.com/auth/youtube.upload')
    if (!grant) return
    const raw = await body()
    if (url.searchParams.get('uploadType') !== 'resumable') return this.json(res, 400, badRequest('Only resumable uploads are faked.'))
    const fault = this.takeFault('videos.insert')
    if (fault) return this.sendFault(res, fault)
    const channel = grant.account.channel
    if (!channel) return this.json(res, 401, badRequest('Unauthorized', 'youtubeSignupRequired'))
    const size = Number(req.headers['x-upload-content-length'])
    if (!Number.isInteger(size) || size <= 0) return this.json(res, 400, badRequest('X-Upload-Content-Length is required.'))
    const metadata = JSON.parse(raw.toString() || '{}')
    const problem = checkVideoMetadata(metadata)
    if (problem) return this.json(res, 400, badRequest(problem.message, problem.reason))
    const id = token('ADPycd', 30)
    this.issued.push(id)
    const session: Session = {
      id,
      channel,
      metadata,
      part: partsOf(url).join(','),
      size,
      contentType: String(req.headers['x-upload-content-type'] ?? 'video/*'),
      chunks: [],
      received: 0,
      expired: false,
    }
    this.sessions.set(id, session)
    const action = await this.onUpload?.({ kind: 'open', sessionId: id, size })
    if (this.act(res, action)) return
    const location = `${this.url}/upload/youtube/v3/videos?uploadType=resumable&part=${encodeURIComponent(session.part)}&upload_id=${id}`
    res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' })
    res.end()
  }

  private act(res: ServerResponse, action: UploadAction): boolean {
    if (action === 'drop') {
      res.socket?.destroy()
      return true
    }
    if (action === 'hang') return true
    return false
  }

  private async putBytes(req: IncomingMessage, res: ServerResponse, url: URL) {
    const session = this.sessions.get(url.searchParams.get('upload_id') ?? '')
    if (!session || session.expired) {
      req.resume()
      return this.json(res, 404, {
        error: { code: 404, message: 'Not Found', errors: [{ message: 'Not Found', domain: 'global', reason: 'notFound' }] },
      })
    }
    const range = String(req.headers['content-range'] ?? '')
    const query = /^bytes \*\/(\d+|\*)$/.exec(range)
    if (query) {
      req.resume()
      const action = await this.onUpload?.({ kind: 'query', sessionId: session.id, size: session.size, videoId: session.videoId })
      if (this.act(res, action)) return
      return this.answerProgress(res, session)
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range)
    if (!m) {
      req.resume()
      return this.json(res, 400, badRequest(`Invalid Content-Range: ${range}`))
    }
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])]
    if (total !== session.size || start !== session.received || end < start || end >= total) {
      req.resume()
      return this.json(res, 400, badRequest(`Content-Range ${range} does not continue the ${session.received} bytes received.`))
    }
    if (session.videoId) {
      req.resume()
      return this.answerProgress(res, session)
    }
    const fault = this.takeFault('upload')
    if (fault) {
      req.resume()
      return this.sendFault(res, fault)
    }
    // Bytes are committed as they arrive, so a cut connection keeps what got through.
    const cut = this.dropAfterBytes
    const done = await new Promise<'cut' | 'end'>((resolve) => {
      req.on('data', (c: Buffer) => {
        if (cut !== undefined && session.received + c.length >= cut) {
          const keep = Math.max(0, cut - session.received)
          session.chunks.push(c.subarray(0, keep))
          session.received += keep
          this.dropAfterBytes = undefined
          req.socket.destroy()
          resolve('cut')
          return
        }
        session.chunks.push(c)
        session.received += c.length
      })
      req.on('end', () => resolve('end'))
      req.on('close', () => resolve('cut'))
    })
    if (done === 'cut') return
    const final = session.received === session.size
    if (final) this.createVideo(session)
    const action = await this.onUpload?.({
      kind: 'chunk',
      sessionId: session.id,
      start,
      end,
      size: session.size,
      final,
      videoId: session.videoId,
    })
    if (this.act(res, action)) return
    this.answerProgress(res, session)
  }

  /** 308 with what the server has (no Range when nothing), or the final resource. */
  private answerProgress(res: ServerResponse, session: Session) {
    if (session.videoId) return this.json(res, 200, this.videos.get(session.videoId)!.resource)
    const headers: Record<string, string> = { 'content-length': '0', 'x-guploader-uploadid': session.id }
    if (session.received > 0) headers.range = `bytes=0-${session.received - 1}`
    res.writeHead(308, headers)
    res.end()
  }

  private createVideo(session: Session) {
    const bytes = new Uint8Array(Buffer.concat(session.chunks))
    const id = videoIdOf()
    const m = session.metadata
    const now = new Date().toISOString()
    const resource = {
      kind: 'youtube#video',
      etag: token('', 8),
      id,
      snippet: {
        publishedAt: now,
        channelId: session.channel.id,
        title: m.snippet.title,
        description: m.snippet.description ?? '',
        thumbnails: { default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 } },
        channelTitle: session.channel.title,
        tags: m.snippet.tags,
        categoryId: m.snippet.categoryId ?? '22',
        liveBroadcastContent: 'none',
        defaultLanguage: m.snippet.defaultLanguage,
        localized: { title: m.snippet.title, description: m.snippet.description ?? '' },
        defaultAudioLanguage: m.snippet.defaultAudioLanguage,
      },
      status: {
        uploadStatus: 'uploaded',
        privacyStatus: m.status.privacyStatus ?? 'public',
        ...(m.status.publishAt ? { publishAt: m.status.publishAt } : {}),
        license: 'youtube',
        embeddable: true,
        publicStatsViewable: true,
        madeForKids: m.status.selfDeclaredMadeForKids,
        selfDeclaredMadeForKids: m.status.selfDeclaredMadeForKids,
        containsSyntheticMedia: m.status.containsSyntheticMedia ?? false,
      },
    }
    session.videoId = id
    this.videos.set(id, { resource, bytes, sha256: sha256(bytes) })
    this.videosVersion++
  }

  private async thumbnailsSet(req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) {
    const grant = this.authorize(req, res, 'https://www.googleapis.com/auth/youtube.upload')
    if (!grant) return
    const raw = await body()
    const fault = this.takeFault('thumbnails.set')
    if (fault) return this.sendFault(res, fault)
    const video = this.videos.get(url.searchParams.get('videoId') ?? '')
    if (!video || video.resource.snippet.channelId !== grant.account.channel?.id)
      return this.json(res, 404, badRequest('The video that you are trying to update cannot be found.', 'videoNotFound', 404))
    if (grant.account.channel?.longUploadsStatus !== 'allowed') return this.sendFault(res, 'forbidden')
    const image = extractUpload(String(req.headers['content-type'] ?? ''), raw, url.searchParams.get('uploadType'))
    if (!image || !/^image\/(jpeg|png)$/.test(image.contentType))
      return this.json(res, 400, badRequest('The image has an invalid type.', 'invalidImage'))
    video.thumbnail = image
    const thumb = (w: number, h: number, n: string) => ({
      url: `https://i.ytimg.com/vi/${video.resource.id}/${n}.jpg`,
      width: w,
      height: h,
    })
    this.json(res, 200, {
      kind: 'youtube#thumbnailSetResponse',
      etag: token('', 8),
      items: [{ default: thumb(120, 90, 'default'), medium: thumb(320, 180, 'mqdefault'), high: thumb(480, 360, 'hqdefault') }],
    })
  }

  // ---- Analytics ----

  /** Lifetime counters: the views of every day so far, likes and comments in proportion. */
  private statisticsOf(videoId: string) {
    const published = this.videos.get(videoId)?.resource.snippet.publishedAt?.slice(0, 10) ?? new Date().toISOString().slice(0, 10)
    let views = 0
    const today = new Date().toISOString().slice(0, 10)
    for (let d = published; d <= today; d = nextDay(d)) views += this.metricsOf(videoId, d).views
    return {
      viewCount: String(views),
      likeCount: String(Math.floor(views / 25)),
      favoriteCount: '0',
      commentCount: String(Math.floor(views / 120)),
    }
  }

  private playlistItemsList(req: IncomingMessage, res: ServerResponse, url: URL) {
    const grant = this.authorize(req, res, 'https://www.googleapis.com/auth/youtube.readonly')
    if (!grant) return
    const fault = this.takeFault('playlistItems.list')
    if (fault) return this.sendFault(res, fault)
    const playlistId = url.searchParams.get('playlistId') ?? ''
    const channel = grant.account.channel
    if (!channel || playlistId !== uploadsPlaylistOf(channel.id))
      return this.json(
        res,
        404,
        badRequest("The playlist identified with the request's playlistId parameter cannot be found.", 'playlistNotFound', 404),
      )
    const max = Math.min(50, Number(url.searchParams.get('maxResults') ?? 5))
    const offset = Number(url.searchParams.get('pageToken')?.replace(/^CAU/, '') || 0)
    const all = this.channelVideos(channel.id)
    const page = all.slice(offset, offset + max)
    this.json(res, 200, {
      kind: 'youtube#playlistItemListResponse',
      etag: token('', 8),
      ...(offset + max < all.length ? { nextPageToken: `CAU${offset + max}` } : {}),
      pageInfo: { totalResults: all.length, resultsPerPage: max },
      items: page.map((v, i) => ({
        kind: 'youtube#playlistItem',
        etag: token('', 8),
        id: token('', 12),
        snippet: {
          publishedAt: v.snippet.publishedAt,
          channelId: channel.id,
          title: v.snippet.title,
          description: v.snippet.description ?? '',
          channelTitle: channel.title,
          playlistId,
          position: offset + i,
          resourceId: { kind: 'youtube#video', videoId: v.id },
        },
        contentDetails: { videoId: v.id, videoPublishedAt: v.snippet.publishedAt },
      })),
    })
  }

  /** Analytics API v2 reports.query for `ids=channel==MINE`, dimensions `day` or `video`. */
  private reportsQuery(req: IncomingMessage, res: ServerResponse, url: URL) {
    const grant = this.authorize(req, res)
    if (!grant) return
    const forbidden = () =>
      this.json(res, 403, {
        error: { code: 403, message: 'Forbidden', errors: [{ message: 'Forbidden', domain: 'global', reason: 'forbidden' }] },
      })
    const invalid = (message: string) =>
      this.json(res, 400, {
        error: { code: 400, message, errors: [{ message, domain: 'global', reason: 'badRequest' }], status: 'INVALID_ARGUMENT' },
      })
    if (!grant.scopes.some((s) => s === SCOPE.analytics || s === SCOPE.monetary)) return forbidden()
    const fault = this.takeFault('reports.query')
    if (fault) return this.sendFault(res, fault)
    const q = url.searchParams
    const channel = grant.account.channel
    if (q.get('ids') !== 'channel==MINE' || !channel) return invalid('Only ids=channel==MINE is faked.')
    const from = q.get('startDate') ?? ''
    const to = q.get('endDate') ?? ''
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to) || from > to)
      return invalid('The query is not valid: startDate and endDate are required, startDate not after endDate.')
    const metrics = (q.get('metrics') ?? '').split(',').filter(Boolean) as (keyof FakeDayMetrics)[]
    if (!metrics.length || metrics.some((m) => !(m in METRIC_TYPES))) return invalid(`Unknown metric in ${q.get('metrics')}`)
    // Revenue needs the monetary scope and a channel in the Partner Program.
    if (metrics.includes('estimatedRevenue') && (!grant.scopes.includes(SCOPE.monetary) || !channel.partner)) return forbidden()
    const dimension = q.get('dimensions') ?? ''
    const videos = this.channelVideos(channel.id).map((v) => v.id as string)
    const days: string[] = []
    for (let d = from; d <= to; d = nextDay(d)) days.push(d)
    const sum = (pairs: [string, string][]): Record<keyof FakeDayMetrics, number> => {
      const out = { views: 0, estimatedMinutesWatched: 0, averageViewDuration: 0, subscribersGained: 0, estimatedRevenue: 0 }
      let weighted = 0
      for (const [v, d] of pairs) {
        const m = this.metricsOf(v, d)
        out.views += m.views
        out.estimatedMinutesWatched += m.estimatedMinutesWatched
        out.subscribersGained += m.subscribersGained
        out.estimatedRevenue += m.estimatedRevenue
        weighted += m.averageViewDuration * m.views
      }
      out.averageViewDuration = out.views ? Math.round(weighted / out.views) : 0
      out.estimatedRevenue = Math.round(out.estimatedRevenue * 1000) / 1000
      return out
    }
    let rows: (string | number)[][]
    if (dimension === 'day') {
      rows = days.map((d) => {
        const m = sum(videos.map((v) => [v, d]))
        return [d, ...metrics.map((k) => m[k])]
      })
    } else if (dimension === 'video') {
      const max = Number(q.get('maxResults') ?? 0)
      if (!q.get('sort') || !max || max > 200)
        return invalid(
          'The query is not supported. Check the documentation for supported queries: a video report needs sort and maxResults <= 200.',
        )
      const sortKey = q.get('sort')!.replace(/^-/, '') as keyof FakeDayMetrics
      const all = videos
        .map((v) => ({ v, m: sum(days.map((d) => [v, d])) }))
        .filter((r) => r.m.views > 0)
        .sort((a, b) => (b.m[sortKey] ?? 0) - (a.m[sortKey] ?? 0) || a.v.localeCompare(b.v))
      const start = Number(q.get('startIndex') ?? 1) - 1
      rows = all.slice(start, start + max).map((r) => [r.v, ...metrics.map((k) => r.m[k])])
    } else return invalid(`The query is not supported: dimensions=${dimension}`)
    this.json(res, 200, {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: [
        { name: dimension, columnType: 'DIMENSION', dataType: 'STRING' },
        ...metrics.map((m) => ({ name: m, columnType: 'METRIC', dataType: METRIC_TYPES[m] })),
      ],
      rows,
    })
  }
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

/** `part` may come comma-separated or repeated (googleapis repeats array parameters). */
const partsOf = (url: URL) => url.searchParams.getAll('part').flatMap((p) => p.split(','))

function badRequest(message: string, reason = 'badRequest', code = 400) {
  return { error: { code, message, errors: [{ message, domain: 'youtube.video', reason }] } }
}

/** What videos.insert refuses, in its words. `selfDeclaredMadeForKids` is required here: uploads stall without it. */
function checkVideoMetadata(m: any): { message: string; reason: string } | undefined {
  const title: unknown = m?.snippet?.title
  if (typeof title !== 'string' || !title.trim())
    return { message: 'The request metadata does not specify a video title.', reason: 'invalidTitle' }
  if ([...title].length > 100 || /[<>]/.test(title))
    return { message: 'The request metadata specifies an invalid video title.', reason: 'invalidTitle' }
  const description = m.snippet.description ?? ''
  if (Buffer.byteLength(description) > 5000 || /[<>]/.test(description))
    return { message: 'The request metadata specifies an invalid video description.', reason: 'invalidDescription' }
  const tags: string[] = m.snippet.tags ?? []
  const tagChars = tags.reduce((n, t) => n + t.length + (t.includes(' ') ? 2 : 0), 0) + Math.max(0, tags.length - 1)
  if (tagChars > 500 || tags.some((t) => /[<>]/.test(t)))
    return { message: 'The request metadata specifies invalid video keywords.', reason: 'invalidTags' }
  const status = m.status ?? {}
  if (status.publishAt && status.privacyStatus !== 'private')
    return { message: 'The request metadata specifies an invalid scheduled publishing time.', reason: 'invalidPublishAt' }
  if (status.publishAt && Date.parse(status.publishAt) <= Date.now())
    return { message: 'The request metadata specifies an invalid scheduled publishing time.', reason: 'invalidPublishAt' }
  if (typeof status.selfDeclaredMadeForKids !== 'boolean')
    return { message: 'The request metadata must say whether the video is made for kids.', reason: 'invalidVideoMetadata' }
  return undefined
}

/** The image of a media upload: raw (`uploadType=media`) or the second part of a multipart/related body. */
function extractUpload(
  contentType: string,
  raw: Buffer,
  uploadType: string | null,
): { contentType: string; bytes: Uint8Array } | undefined {
  if (uploadType !== 'multipart' && !contentType.startsWith('multipart/'))
    return { contentType: contentType.split(';')[0]!.trim(), bytes: new Uint8Array(raw) }
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1]
  if (!boundary) return undefined
  const text = raw.toString('latin1')
  const parts = text.split(`--${boundary}`).slice(1, -1)
  const media = parts.map((p) => {
    const headerEnd = p.indexOf('\r\n\r\n')
    const headers = p.slice(0, headerEnd)
    const type = /content-type:\s*([^\r\n;]+)/i.exec(headers)?.[1]?.trim() ?? ''
    let content = p.slice(headerEnd + 4)
    if (content.endsWith('\r\n')) content = content.slice(0, -2)
    return { contentType: type, bytes: new Uint8Array(Buffer.from(content, 'latin1')) }
  })
  return media.find((p) => p.contentType.startsWith('image/')) ?? media.at(-1)
}
