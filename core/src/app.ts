import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { httpLayer } from './http/plugin'
import { webApp } from './http/web-app'
import { adminModule } from './modules/admin'
import { createAdminService } from './modules/admin/service'
import { analyticsModule, websubModule } from './modules/analytics'
import { createAnalyticsService } from './modules/analytics/service'
import { apiKeysModule } from './modules/api-keys'
import { createApiKeyService } from './modules/api-keys/service'
import { authModule } from './modules/auth'
import { createAuthService } from './modules/auth/service'
import { autopilotModule } from './modules/autopilot'
import { createAutopilotService } from './modules/autopilot/service'
import { billingModule, stripeWebhookModule } from './modules/billing'
import { createBillingService } from './modules/billing/service'
import { createStripePayments } from './modules/billing/stripe'
import { channelsModule } from './modules/channels'
import { createChannelService } from './modules/channels/service'
import { queuesBoard } from './modules/queues'
import { systemModule } from './modules/system'
import { uploadsModule } from './modules/uploads'
import { createUploadService } from './modules/uploads/service'
import { usersModule } from './modules/users'
import { createUserService } from './modules/users/service'
import { videosModule } from './modules/videos'
import { createVideoService, videoView } from './modules/videos/service'
import { createVideoSweeper } from './modules/videos/sweeper'
import { webhooksModule } from './modules/webhooks'
import { createWebhookService } from './modules/webhooks/service'
import { youtubeModule } from './modules/youtube'
import { publishWorkerModule } from './modules/youtube/internal'
import { createPublicationService } from './modules/youtube/publications'
import { createYouTubeService } from './modules/youtube/service'

export function createServices(deps: Deps) {
  const apiKeys = createApiKeyService(deps)
  const auth = createAuthService(deps)
  const users = createUserService(deps, auth, apiKeys)
  const channels = createChannelService(deps)
  const webhooks = createWebhookService(deps)
  const stripe = deps.config.billing.stripe
  const billing = createBillingService(deps, { channels, webhooks, payments: stripe ? createStripePayments(stripe) : undefined })
  const youtube = createYouTubeService(deps, channels)
  const publications = createPublicationService(deps, youtube)
  const videos = createVideoService(deps, channels, publications)
  // Written in the transaction of the change, done after its commit (at least once: each step is idempotent).
  deps.outbox.handle('video.dispatch', ({ videoId, grant }) => videos.dispatchQueued(videoId, grant))
  deps.outbox.handle('video.finished', async ({ videoId }, rowId) => {
    // A video reached its end: meter it, and tell the owner's endpoints.
    const video = await videos.find(videoId)
    if (!video || (video.status !== 'completed' && video.status !== 'failed')) return
    if (video.status === 'completed') await billing.meterVideo({ id: video.id, userId: video.userId, finishedAt: video.finishedAt })
    const type = video.status === 'completed' ? 'video.completed' : 'video.failed'
    await webhooks.emit(video.userId, type, { video: videoView(video) }, `outbox-${rowId}`)
  })
  deps.outbox.handle('webhook.emit', async ({ userId, type, data }, rowId) => {
    await webhooks.emit(userId, type, data, `outbox-${rowId}`)
  })
  const uploads = createUploadService(deps)
  const admin = createAdminService(deps, auth, apiKeys, videos, webhooks, youtube)
  const sweeper = createVideoSweeper(deps, videos)
  const autopilot = createAutopilotService(deps, channels, videos, youtube)
  const analytics = createAnalyticsService(deps, channels, videos, youtube)
  publications.jobsFrom((video, grant) => videos.jobOf(video, grant))
  // The Stripe customer is deleted, grants are revoked at Google, and schedulers removed, before the rows go (erasure, channel deletion).
  users.beforeErase(async (userId) => {
    await billing.forget(userId)
    await youtube.revokeAll({ userId })
    for (const c of await channels.list(userId)) {
      await autopilot.stop(c.id)
      await analytics.stop(c.id)
    }
  })
  channels.beforeRemove(async (channelId) => {
    await youtube.revokeAll({ channelId })
    await autopilot.stop(channelId)
    await analytics.stop(channelId)
  })
  channels.afterUpdate((channelId) => autopilot.channelChanged(channelId))
  return { apiKeys, auth, users, channels, videos, uploads, webhooks, billing, admin, youtube, publications, autopilot, sweeper, analytics }
}
export type Services = ReturnType<typeof createServices>

/** One factory wires the services and controllers of a core instance. */
export function createApp(deps: Deps, services: Services = createServices(deps)) {
  const { apiKeys, auth, users, channels, videos, uploads, webhooks, billing, admin, youtube, publications, autopilot, analytics } =
    services

  return new Elysia({ name: 'ytempire-core', normalize: false })
    .use(httpLayer(deps))
    .use(
      openapi({
        path: '/swagger',
        specPath: '/swagger/json',
        provider: 'swagger-ui',
        exclude: { staticFile: false },
        documentation: {
          info: {
            title: 'ytempire API',
            version: '1.0.0',
            description:
              'Operators run faceless YouTube channels: accounts, channels, videos, publishing, analytics, billing. Errors are application/problem+json.',
          },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or ytk_ API key' } } },
          security: [{ bearer: [] }],
        },
      }),
    )
    .use(systemModule(deps))
    .use(stripeWebhookModule(deps, billing, apiKeys))
    .use(publishWorkerModule(deps, publications))
    .use(websubModule(deps, analytics, apiKeys))
    .group('/v1', (v1) =>
      v1
        .use(authModule(deps, auth, apiKeys))
        .use(usersModule(deps, users, auth, apiKeys))
        .use(apiKeysModule(deps, apiKeys))
        .use(channelsModule(deps, channels, apiKeys))
        .use(videosModule(deps, videos, apiKeys))
        .use(uploadsModule(deps, uploads, apiKeys))
        .use(billingModule(deps, billing, apiKeys))
        .use(webhooksModule(deps, webhooks, apiKeys))
        .use(youtubeModule(deps, youtube, publications, videos, apiKeys))
        .use(autopilotModule(deps, autopilot, apiKeys))
        .use(analyticsModule(deps, analytics, apiKeys))
        .use(adminModule(deps, admin, apiKeys)),
    )
    .use(queuesBoard(deps))
    .use(webApp(deps))
}

export type App = ReturnType<typeof createApp>
