// Connecting channels to YouTube: consent (OAuth 2.0 code + PKCE, single-use state), the link,
// access tokens for publish jobs (the refresh token never leaves the core), invalid_grant handling,
// disconnect and erasure (revoked at Google, then forgotten).
import { YOUTUBE_SCOPES, type YouTubeConnectFailure } from '@ytempire/contract'
import { and, eq, isNull, lt, ne } from 'drizzle-orm'
import { randomToken, sha256Hex } from '../../crypto/hash'
import { youtubeConnections, youtubeOauthStates } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { badRequest, conflict, notFound, Problem, unprocessable } from '../../http/problem'
import type { ChannelService } from '../channels/service'
import { createGoogleClient, type GoogleClient, oauthError } from './google'
import { GrantRevokedError } from './grant-revoked-error'
import { createYouTubeMetrics } from './metrics'
import { createQuotaLedger } from './quota'
import { connectionView } from './views'

type ConnectionRow = typeof youtubeConnections.$inferSelect

/** Reactions of the publishing side to a channel's connection changing. */
export interface ConnectionListener {
  /** connected (or reconnected): paused publications may go on */
  connected(channelId: string): Promise<void>
  /** disconnected or grant revoked: publications wait for a reconnect */
  blocked(channelId: string, reason: string): Promise<void>
}

const STATE_CONTEXT = (stateHash: string) => `youtube-oauth-state:${stateHash}`
const REFRESH_CONTEXT = (channelId: string) => `youtube-refresh:${channelId}`
/** Access tokens are reused until this long before they expire. */
const TOKEN_MARGIN_MS = 5 * 60_000

/** The problem of a failed consent round trip, with its reason (which the callback's browser redirect carries). */
const because = (reason: YouTubeConnectFailure, p: Problem) => {
  p.extra.reason = reason
  return p
}

const isUniqueViolation = (err: unknown) => {
  const e = err as { code?: string; cause?: { code?: string } }
  return e?.code === '23505' || e?.cause?.code === '23505'
}

export function createYouTubeService(deps: Deps, channels: ChannelService, google: GoogleClient = createGoogleClient(deps.config.youtube)) {
  const db = deps.database.db
  const cfg = deps.config.youtube
  const { clock, box, log } = deps
  const metrics = createYouTubeMetrics(deps.metrics.registry)
  const quota = createQuotaLedger(db, cfg, clock, metrics)
  metrics.watchQuota(async () => (await quota.status()).buckets)
  // Per process only: an access token is never written to Redis or the database.
  const tokenCache = new Map<string, { accessToken: string; expiresAt: number }>()
  const listeners: ConnectionListener[] = []

  function requireConfigured() {
    if (!cfg.clientId || !cfg.clientSecret)
      throw because(
        'not_configured',
        new Problem(
          503,
          'Service Unavailable',
          'YouTube is not configured on this installation: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET',
          {
            type: 'youtube-not-configured',
          },
        ),
      )
  }

  async function connection(channelId: string): Promise<ConnectionRow | undefined> {
    const [row] = await db.select().from(youtubeConnections).where(eq(youtubeConnections.channelId, channelId))
    return row
  }

  /** Revokes a connection's grant at Google; false when Google could not be reached or no longer knew it. */
  async function revokeAtGoogle(conn: ConnectionRow): Promise<boolean> {
    try {
      return await google.revoke(await box.open(conn.refreshTokenEnc, REFRESH_CONTEXT(conn.channelId)))
    } catch (err) {
      log.warn({ err, channelId: conn.channelId }, 'could not revoke a YouTube grant at Google; forgetting it anyway')
      return false
    }
  }

  async function markReconnectNeeded(conn: ConnectionRow, reason: string) {
    tokenCache.delete(conn.channelId)
    // Marked once per grant (a second refused call finds it marked), with the owner's webhook event in the same transaction.
    let outboxId: number | undefined
    await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(youtubeConnections)
        .set({ status: 'reconnect_needed', statusReason: reason, updatedAt: new Date() })
        .where(
          and(
            eq(youtubeConnections.channelId, conn.channelId),
            eq(youtubeConnections.refreshTokenEnc, conn.refreshTokenEnc),
            ne(youtubeConnections.status, 'reconnect_needed'),
          ),
        )
        .returning()
      if (updated)
        outboxId = await deps.outbox.add(tx, 'webhook.emit', {
          userId: conn.userId,
          type: 'channel.reconnect_needed',
          data: { channelId: conn.channelId, youtubeChannelId: conn.youtubeChannelId, reason },
        })
    })
    if (outboxId === undefined) return
    await deps.outbox.flush([outboxId])
    await deps.audit.record({ userId: conn.userId, type: 'youtube.reconnect_needed', data: { channelId: conn.channelId, reason } })
    await invalidateUser(deps, conn.userId)
    for (const l of listeners) await l.blocked(conn.channelId, `the channel needs reconnecting to YouTube (${reason})`)
    log.warn({ channelId: conn.channelId, reason }, 'YouTube grant revoked or expired: channel needs reconnecting')
  }

  return {
    quota,
    metrics,
    connection,
    listen(l: ConnectionListener) {
      listeners.push(l)
    },

    /** The consent URL for a channel: PKCE S256, offline access, a single-use state bound to user and channel. */
    async connect(userId: string, channelId: string, opts: { monetaryAnalytics?: boolean } = {}) {
      requireConfigured()
      await channels.get(userId, channelId)
      const scopes: string[] = [YOUTUBE_SCOPES.upload, YOUTUBE_SCOPES.read, YOUTUBE_SCOPES.analytics]
      if (opts.monetaryAnalytics) scopes.push(YOUTUBE_SCOPES.monetary)
      const state = randomToken(32)
      const stateHash = sha256Hex(state)
      const { codeVerifier, codeChallenge } = await google.codeVerifier()
      const now = clock()
      const expiresAt = new Date(now + cfg.stateTtlS * 1000)
      // Old states are only kept to tell "already used" from "unknown" for a while.
      await db.delete(youtubeOauthStates).where(lt(youtubeOauthStates.expiresAt, new Date(now - 24 * 3600_000)))
      await db.insert(youtubeOauthStates).values({
        stateHash,
        userId,
        channelId,
        verifierEnc: await box.seal(codeVerifier, STATE_CONTEXT(stateHash)),
        scopes,
        expiresAt,
      })
      return { authorizationUrl: google.authorizationUrl({ state, codeChallenge, scopes }), expiresAt: expiresAt.toISOString(), scopes }
    },

    /** Google's redirect back: checks and spends the state, exchanges the code, reads the YouTube channel, links it. */
    async callback(q: { code?: string; state?: string; error?: string }) {
      requireConfigured()
      if (!q.state) throw because('state_unknown', badRequest('The state parameter is missing', [{ field: 'state', message: 'required' }]))
      const stateHash = sha256Hex(q.state)
      const now = clock()
      // Spent before anything else, so a replay of the same redirect is refused even mid-flight.
      const [state] = await db
        .update(youtubeOauthStates)
        .set({ usedAt: new Date(now) })
        .where(and(eq(youtubeOauthStates.stateHash, stateHash), isNull(youtubeOauthStates.usedAt)))
        .returning()
      if (!state) {
        const [seen] = await db
          .select({ usedAt: youtubeOauthStates.usedAt })
          .from(youtubeOauthStates)
          .where(eq(youtubeOauthStates.stateHash, stateHash))
        throw because(
          seen ? 'state_used' : 'state_unknown',
          badRequest(
            seen
              ? 'This consent was already used; start again with POST /v1/channels/:id/youtube/connect'
              : 'Unknown state: start with POST /v1/channels/:id/youtube/connect',
            [{ field: 'state', message: seen ? 'already used' : 'unknown' }],
          ),
        )
      }
      if (state.expiresAt.getTime() < now)
        throw because(
          'state_expired',
          badRequest('The consent took longer than 10 minutes; start again with POST /v1/channels/:id/youtube/connect', [
            { field: 'state', message: 'expired' },
          ]),
        )
      if (q.error) throw because('denied', badRequest(`Google did not grant access (${q.error})`, [{ field: 'error', message: q.error }]))
      if (!q.code) throw because('code_refused', badRequest('The code parameter is missing', [{ field: 'code', message: 'required' }]))

      const verifier = await box.open(state.verifierEnc, STATE_CONTEXT(stateHash))
      let tokens: Awaited<ReturnType<GoogleClient['exchangeCode']>>
      try {
        tokens = await google.exchangeCode(q.code, verifier)
      } catch (err) {
        const code = oauthError(err)
        if (code)
          throw because('code_refused', badRequest(`Google refused the authorization code (${code})`, [{ field: 'code', message: code }]))
        log.error({ err }, 'token exchange with Google failed')
        throw because(
          'google_unreachable',
          new Problem(502, 'Bad Gateway', 'Google could not be reached to finish connecting; start again shortly'),
        )
      }
      const refreshToken = tokens.refreshToken
      if (!refreshToken)
        throw because(
          'no_offline_access',
          badRequest('Google returned no refresh token (offline access not granted); connect again', [
            { field: 'code', message: 'no offline access' },
          ]),
        )
      const missing = [YOUTUBE_SCOPES.upload, YOUTUBE_SCOPES.read].filter((s) => tokens.scopes.length && !tokens.scopes.includes(s))
      if (missing.length) {
        await google.revoke(refreshToken).catch(() => false)
        throw because(
          'scopes_missing',
          unprocessable('The consent left out permissions ytempire needs to publish; connect again and allow them all', [
            { field: 'scope', message: `missing ${missing.join(' ')}` },
          ]),
        )
      }
      const reserved = await quota.reserve('channels.list')
      if (!reserved.granted)
        throw because(
          'quota_spent',
          new Problem(
            503,
            'Service Unavailable',
            `The YouTube quota for today is spent; connect again after ${new Date(reserved.resetAt).toISOString()}`,
            {
              type: 'youtube-quota',
              headers: { 'retry-after': String(Math.ceil((reserved.resetAt - now) / 1000)) },
            },
          ),
        )
      const info = await google.myChannel(tokens.accessToken)
      if (!info) {
        await google.revoke(refreshToken).catch(() => false)
        throw because(
          'no_channel',
          unprocessable('This Google account has no YouTube channel; create one on youtube.com, then connect again', [
            { field: 'code', message: 'no YouTube channel' },
          ]),
        )
      }
      const [linkedElsewhere] = await db
        .select({ channelId: youtubeConnections.channelId })
        .from(youtubeConnections)
        .where(eq(youtubeConnections.youtubeChannelId, info.id))
      if (linkedElsewhere && linkedElsewhere.channelId !== state.channelId)
        throw because(
          'already_linked',
          conflict(`The YouTube channel "${info.title}" is already linked to another ytempire channel on this installation`),
        )

      const values = {
        youtubeChannelId: info.id,
        title: info.title,
        thumbnailUrl: info.thumbnailUrl,
        customThumbnails: info.customThumbnails,
        scopes: tokens.scopes.length ? tokens.scopes : state.scopes,
        refreshTokenEnc: await box.seal(refreshToken, REFRESH_CONTEXT(state.channelId)),
        status: 'connected' as const,
        statusReason: null,
        uploadsPausedUntil: null,
        updatedAt: new Date(),
      }
      let rows: ConnectionRow[]
      try {
        rows = await db
          .insert(youtubeConnections)
          .values({ channelId: state.channelId, userId: state.userId, ...values })
          .onConflictDoUpdate({ target: youtubeConnections.channelId, set: { ...values, connectedAt: new Date() } })
          .returning()
      } catch (err) {
        if (isUniqueViolation(err))
          throw because(
            'already_linked',
            conflict(`The YouTube channel "${info.title}" is already linked to another ytempire channel on this installation`),
          )
        throw err
      }
      tokenCache.set(state.channelId, { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt })
      await deps.audit.record({
        userId: state.userId,
        type: 'youtube.connected',
        data: { channelId: state.channelId, youtubeChannelId: info.id },
      })
      await invalidateUser(deps, state.userId)
      for (const l of listeners) await l.connected(state.channelId)
      return { channelId: state.channelId, youtube: connectionView(rows[0]!, now) }
    },

    /** The channel a consent was started for (used, expired or not), to send its browser back there. */
    async channelOfState(state: string): Promise<string | undefined> {
      const [row] = await db
        .select({ channelId: youtubeOauthStates.channelId })
        .from(youtubeOauthStates)
        .where(eq(youtubeOauthStates.stateHash, sha256Hex(state)))
      return row?.channelId
    },

    async status(userId: string, channelId: string) {
      await channels.get(userId, channelId)
      const conn = await connection(channelId)
      if (!conn) throw notFound('YouTube connection')
      return connectionView(conn, clock())
    },

    /** Revokes the grant at Google and forgets it. */
    async disconnect(userId: string, channelId: string) {
      await channels.get(userId, channelId)
      const conn = await connection(channelId)
      if (!conn) throw notFound('YouTube connection')
      const revoked = await revokeAtGoogle(conn)
      await db.delete(youtubeConnections).where(eq(youtubeConnections.channelId, channelId))
      tokenCache.delete(channelId)
      await deps.audit.record({
        userId,
        type: 'youtube.disconnected',
        data: { channelId, youtubeChannelId: conn.youtubeChannelId, revoked },
      })
      await invalidateUser(deps, userId)
      for (const l of listeners) await l.blocked(channelId, 'the channel was disconnected from YouTube')
      return { revoked }
    },

    /** Erasure or channel deletion: every grant revoked at Google (the rows go with the cascade). */
    async revokeAll(where: { userId: string } | { channelId: string }) {
      const rows = await db
        .select()
        .from(youtubeConnections)
        .where('userId' in where ? eq(youtubeConnections.userId, where.userId) : eq(youtubeConnections.channelId, where.channelId))
      for (const conn of rows) {
        await revokeAtGoogle(conn)
        tokenCache.delete(conn.channelId)
      }
      return rows.length
    },

    /** A short-lived access token for one publish job. Throws GrantRevokedError after marking the channel. */
    async accessToken(channelId: string): Promise<{ accessToken: string; expiresAt: number }> {
      const conn = await connection(channelId)
      if (!conn) throw new GrantRevokedError('the channel is not connected to YouTube')
      if (conn.status === 'reconnect_needed') throw new GrantRevokedError(conn.statusReason ?? 'reconnect needed')
      const cached = tokenCache.get(channelId)
      if (cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return cached
      const refreshToken = await box.open(conn.refreshTokenEnc, REFRESH_CONTEXT(channelId))
      try {
        const tokens = await google.refresh(refreshToken)
        if (tokens.refreshToken && tokens.refreshToken !== refreshToken)
          await db
            .update(youtubeConnections)
            .set({ refreshTokenEnc: await box.seal(tokens.refreshToken, REFRESH_CONTEXT(channelId)), updatedAt: new Date() })
            .where(eq(youtubeConnections.channelId, channelId))
        const fresh = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt }
        tokenCache.set(channelId, fresh)
        return fresh
      } catch (err) {
        if (err instanceof GrantRevokedError) await markReconnectNeeded(conn, err.message)
        throw err
      }
    },

    /** A token YouTube refused (401): drop it so the next request refreshes. */
    forgetAccessToken(channelId: string) {
      tokenCache.delete(channelId)
    },

    /** uploadLimitExceeded: this channel's uploads wait; other channels go on. */
    async pauseUploads(channelId: string, until: number) {
      await db
        .update(youtubeConnections)
        .set({ uploadsPausedUntil: new Date(until), updatedAt: new Date() })
        .where(eq(youtubeConnections.channelId, channelId))
    },

    /** Re-seals refresh tokens sealed under an older secret key. */
    async reseal() {
      let n = 0
      for (const conn of await db.select().from(youtubeConnections)) {
        if (!box.needsRotation(conn.refreshTokenEnc)) continue
        const plain = await box.open(conn.refreshTokenEnc, REFRESH_CONTEXT(conn.channelId))
        await db
          .update(youtubeConnections)
          .set({ refreshTokenEnc: await box.seal(plain, REFRESH_CONTEXT(conn.channelId)) })
          .where(eq(youtubeConnections.channelId, conn.channelId))
        n++
      }
      return n
    },
  }
}
export type YouTubeService = ReturnType<typeof createYouTubeService>
