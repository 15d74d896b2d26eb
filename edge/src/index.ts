import { newApp } from './app'
import { ConfigError, loadConfig } from './config'
import type { Env } from './env'
import { durableObjectCacheIndex } from './middleware/cache'
import { durableObjectRateLimits } from './middleware/rate-limit'
import { problemResponse } from './problem'

export { CacheIndex } from './middleware/cache'
export { RateLimiter } from './middleware/rate-limit'

type App = ReturnType<typeof newApp>

// Built on the first request and kept for the isolate's life: configuration is read once, and
// the JWKS cache, signing key, session leases and local rate-limit windows live as long as the isolate.
let app: App | ConfigError | undefined

function appFor(env: Env): App | ConfigError {
  if (app === undefined) {
    try {
      app = newApp(loadConfig(env), {
        rateLimits: durableObjectRateLimits(env.RATE_LIMITER),
        cacheIndex: durableObjectCacheIndex(env.CACHE_INDEX),
      })
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      console.error(JSON.stringify({ msg: 'edge misconfigured', error: err.message }))
      app = err
    }
  }
  return app
}

export default {
  fetch(request, env, ctx) {
    const current = appFor(env)
    if (current instanceof ConfigError) {
      return problemResponse(500, 'edge-misconfigured', 'Internal Server Error', 'The edge is misconfigured.')
    }
    return current.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
