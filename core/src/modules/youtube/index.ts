import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { Problem } from '../../http/problem'
import { IdParams } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { VideoView } from '../videos/model'
import type { VideoService } from '../videos/service'
import { ConnectInput, ConnectionView, PublishInput, QuotaView } from './model'
import type { PublicationService } from './publications'
import type { YouTubeService } from './service'

export function youtubeModule(
  deps: Deps,
  youtube: YouTubeService,
  publications: PublicationService,
  videos: VideoService,
  apiKeys: ApiKeyService,
) {
  /** A browser back from Google's consent page goes on to the channel's page in the web app, which says how it went. */
  async function backToTheApp(query: { code?: string; state?: string; error?: string }): Promise<Response> {
    let to: string
    try {
      to = `/channels/${(await youtube.callback(query)).channelId}?youtube=connected`
    } catch (err) {
      if (!(err instanceof Problem)) deps.log.error({ err }, 'connecting a YouTube channel failed')
      const reason = err instanceof Problem && typeof err.extra.reason === 'string' ? err.extra.reason : 'failed'
      const channelId = query.state ? await youtube.channelOfState(query.state) : undefined
      to = `${channelId ? `/channels/${channelId}` : '/channels'}?youtube=${reason}`
    }
    return new Response(null, { status: 303, headers: { location: to, 'cache-control': 'no-store' } })
  }

  return new Elysia({ name: 'youtube-module', seed: deps.instanceId, detail: { tags: ['youtube'] } })
    .use(authGuard(deps, apiKeys))
    .post('/channels/:id/youtube/connect', ({ principal, params, body }) => youtube.connect(principal.userId, params.id, body ?? {}), {
      auth: 'write',
      params: IdParams,
      body: t.Optional(ConnectInput),
      response: { 200: t.Object({ authorizationUrl: t.String(), expiresAt: t.String(), scopes: t.Array(t.String()) }) },
      detail: {
        summary: 'Start connecting a YouTube channel',
        description:
          "Answers Google's consent URL (OAuth 2.0 code with PKCE S256, offline access, upload + read + analytics scopes; revenue analytics with monetaryAnalytics). Open it in a browser: Google redirects to GET /v1/youtube/callback. The state inside is single-use and lives 10 minutes.",
      },
    })
    .get(
      '/youtube/callback',
      ({ query, request }) => (request.headers.get('accept')?.includes('text/html') ? backToTheApp(query) : youtube.callback(query)),
      {
        anonymous: true,
        query: t.Object({
          code: t.Optional(t.String({ maxLength: 2048 })),
          state: t.Optional(t.String({ maxLength: 512 })),
          error: t.Optional(t.String({ maxLength: 200 })),
          scope: t.Optional(t.String({ maxLength: 2048 })),
        }),
        response: { 200: t.Object({ channelId: t.String(), youtube: ConnectionView }) },
        detail: {
          summary: "Google's redirect after consent",
          description:
            "Exchanges the code, reads the YouTube channel (channels.list mine=true) and links it. A bad, reused or expired state is refused (400; the problem's `reason` says why). A browser (Accept: text/html) is sent on with 303 to the web app's channel page, `/channels/:id?youtube=connected` or `?youtube=<reason>`.",
        },
      },
    )
    .get('/channels/:id/youtube', ({ principal, params }) => youtube.status(principal.userId, params.id), {
      auth: 'read',
      params: IdParams,
      response: { 200: ConnectionView },
      detail: { summary: 'The linked YouTube channel, and whether it needs reconnecting' },
    })
    .delete('/channels/:id/youtube', async ({ principal, params }) => youtube.disconnect(principal.userId, params.id), {
      auth: 'write',
      params: IdParams,
      response: {
        200: t.Object({ revoked: t.Boolean({ description: 'false when Google no longer knew the grant or could not be reached' }) }),
      },
      detail: {
        summary: 'Disconnect: revoke the grant at Google and forget it',
        description: 'Publications in progress pause until the channel is connected again.',
      },
    })
    .get(
      '/youtube/quota',
      async ({ set }) => {
        set.headers['cache-control'] = 'no-store'
        const s = await youtube.quota.status()
        return { ...s, resetAt: new Date(s.resetAt).toISOString() }
      },
      {
        auth: 'read',
        response: { 200: QuotaView },
        detail: {
          summary: "This installation's YouTube quota today",
          description: 'Used and remaining units per bucket for the Google project, and the reset (midnight Pacific time).',
        },
      },
    )
    .post(
      '/videos/:id/publish',
      async ({ principal, params, body, set }) => {
        await publications.publishFinished(principal.userId, params.id, body ?? {})
        set.status = 202
        return videos.view(principal.userId, params.id)
      },
      {
        auth: 'write',
        params: IdParams,
        body: t.Optional(PublishInput),
        response: { 202: VideoView },
        detail: {
          summary: 'Publish a finished video to YouTube',
          description:
            "Uploads the video to the channel's YouTube channel, exactly once, then sets the thumbnail. Follow `youtube` in GET /v1/videos/:id or the events stream; when the quota is spent it waits for the reset.",
        },
      },
    )
}
