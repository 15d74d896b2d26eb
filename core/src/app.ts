import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { httpLayer } from './http/plugin'
import { webApp } from './http/web-app'
import { adminModule } from './modules/admin'
import { createAdminService } from './modules/admin/service'
import { apiKeysModule } from './modules/api-keys'
import { createApiKeyService } from './modules/api-keys/service'
import { authModule } from './modules/auth'
import { createAuthService } from './modules/auth/service'
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

export function createServices(deps: Deps) {
  const apiKeys = createApiKeyService(deps)
  const auth = createAuthService(deps)
  const users = createUserService(deps, auth, apiKeys)
  const channels = createChannelService(deps)
  const webhooks = createWebhookService(deps)
  const stripe = deps.config.billing.stripe
  const billing = createBillingService(deps, { channels, webhooks, payments: stripe ? createStripePayments(stripe) : undefined })
  const videos = createVideoService(deps, channels)
  // Written in the transaction of the change, done after its commit (at least once: each step is idempotent).
  deps.outbox.handle('video.dispatch', ({ videoId }) => videos.dispatchQueued(videoId))
  deps.outbox.handle('video.finished', async ({ videoId }, rowId) => {
    // A video reached its end: meter it, and tell the owner's endpoints.
    const video = await videos.find(videoId)
    if (!video || (video.status !== 'completed' && video.status !== 'failed')) return
    if (video.status === 'completed') await billing.meterVideo({ id: video.id, userId: video.userId, finishedAt: video.finishedAt })
    const type = video.status === 'completed' ? 'video.completed' : 'video.failed'
    await webhooks.emit(video.userId, type, { video: videoView(video) }, `outbox-${rowId}`)
  })
  const uploads = createUploadService(deps)
  const admin = createAdminService(deps, auth, apiKeys, videos, webhooks)
  const sweeper = createVideoSweeper(deps, videos)
  return { apiKeys, auth, users, channels, videos, uploads, webhooks, billing, admin, sweeper }
}
export type Services = ReturnType<typeof createServices>

/** One factory wires the services and controllers of a core instance. */
export function createApp(deps: Deps, services: Services = createServices(deps)) {
  const { apiKeys, auth, users, channels, videos, uploads, webhooks, billing, admin } = services

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
        .use(adminModule(deps, admin, apiKeys)),
    )
    .use(queuesBoard(deps))
    .use(webApp(deps))
}

export type App = ReturnType<typeof createApp>
