import { Elysia } from 'elysia'
import type { Deps } from '../../deps'

/** A store slower than this to answer counts as down for readiness. */
const READY_CHECK_TIMEOUT_MS = 2000

export function systemModule(deps: Deps) {
  return new Elysia({ name: 'system-module', seed: deps.instanceId, detail: { tags: ['system'] } })
    .get('/health', () => ({ status: 'ok' }), { detail: { summary: 'Liveness: the process answers' } })
    .get(
      '/ready',
      async ({ set }) => {
        const check = async (fn: () => Promise<unknown>) => {
          try {
            await withTimeout(fn(), READY_CHECK_TIMEOUT_MS)
            return 'ok'
          } catch (e) {
            return `down: ${(e as Error).message}`
          }
        }
        const [postgres, redis] = await Promise.all([check(() => deps.database.ping()), check(() => deps.redis.ping())])
        const ready = postgres === 'ok' && redis === 'ok'
        set.status = ready ? 200 : 503
        set.headers['cache-control'] = 'no-store'
        return { status: ready ? 'ready' : 'not ready', postgres, redis, database: deps.database.kind }
      },
      { detail: { summary: 'Readiness: PostgreSQL and Redis reachable' } },
    )
    .get(
      '/metrics',
      async ({ set }) => {
        set.headers['content-type'] = deps.metrics.registry.contentType
        return deps.metrics.registry.metrics()
      },
      { detail: { summary: 'Prometheus metrics' } },
    )
    .get(
      '/.well-known/jwks.json',
      ({ set }) => {
        // Short enough that a rotated key reaches verifiers well before its first token would.
        set.headers['cache-control'] = 'public, max-age=300'
        return deps.keys.jwks()
      },
      { detail: { summary: 'Public keys that verify access tokens (RS256)' } },
    )
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timeout after ${ms} ms`)), ms))])
}
