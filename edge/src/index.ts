import { newApp } from './app'
import { ConfigError, type Env, loadConfig } from './config'
import { problemResponse } from './problem'

export { CacheIndex } from './middleware/cache/cache-index'
export { RateLimiter } from './middleware/rate-limit/durable-object'

type App = ReturnType<typeof newApp>

// Built on the first request and kept for the isolate's life: configuration is read once, and
// the JWKS cache and signing key live as long as the isolate.
let app: App | ConfigError | undefined

function appFor(env: Env): App | ConfigError {
  if (app === undefined) {
    try {
      app = newApp(loadConfig(env))
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
