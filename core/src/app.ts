import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { httpLayer } from './http/plugin'
import { webApp } from './http/web-app'
import { adminModule } from './modules/admin'
import { apiKeysModule } from './modules/api-keys'
import { createApiKeyService } from './modules/api-keys/service'
import { authModule } from './modules/auth'
import { createAuthService } from './modules/auth/service'
import { channelsModule } from './modules/channels'
import { createChannelService } from './modules/channels/service'
import { queuesBoard } from './modules/queues'
import { systemModule } from './modules/system'
import { uploadsModule } from './modules/uploads'
import { createUploadService } from './modules/uploads/service'
import { usersModule } from './modules/users'
import { createUserService } from './modules/users/service'
import { videosModule } from './modules/videos'
import { createVideoService } from './modules/videos/service'

export function createServices(deps: Deps) {
  const apiKeys = createApiKeyService(deps)
  const auth = createAuthService(deps)
  const users = createUserService(deps, auth, apiKeys)
  const channels = createChannelService(deps)
  const videos = createVideoService(deps, channels)
  const uploads = createUploadService(deps)
  return { apiKeys, auth, users, channels, videos, uploads }
}
export type Services = ReturnType<typeof createServices>

/** One factory wires the services and controllers of a core instance. */
export function createApp(deps: Deps, services: Services = createServices(deps)) {
  const { apiKeys, auth, users, channels, videos, uploads } = services

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
    .group('/v1', (v1) =>
      v1
        .use(authModule(deps, auth, apiKeys))
        .use(usersModule(deps, users, auth, apiKeys))
        .use(apiKeysModule(deps, apiKeys))
        .use(channelsModule(deps, channels, apiKeys))
        .use(videosModule(deps, videos, apiKeys))
        .use(uploadsModule(deps, uploads, apiKeys))
        .use(adminModule(deps, auth, apiKeys)),
    )
    .use(queuesBoard(deps))
    .use(webApp(deps))
}

export type App = ReturnType<typeof createApp>
