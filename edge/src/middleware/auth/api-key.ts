import type { Context } from 'hono'
import { type OriginClient, OriginUnavailableError } from '../../origin/origin'
import type { EdgeEnv } from '../../types'

export const API_KEY_PREFIX = 'ytk_'

export interface VerifiedApiKey {
  userId: string
  /** SHA-256 of the key, hex: the raw key is never used as a cache key. */
  keyHash: string
}

export type ApiKeyVerifier = (key: string, c: Context<EdgeEnv>) => Promise<VerifiedApiKey | null>

async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

// Not a routable host: these entries can only be read back by this worker.
const ANSWER_CACHE_ORIGIN = 'https://api-keys.edge.internal/'

/**
 * Only the core can check an API key (`GET /v1/me` answers 200 or 401). Its positive answer is
 * kept in the Cache API for `cacheSeconds`, which bounds how long a revoked key still passes
 * the edge; the core checks the key again on every request it receives anyway.
 */
export function apiKeyVerifier(options: { origin: OriginClient; cacheSeconds: number }): ApiKeyVerifier {
  if (!(options.cacheSeconds > 0)) throw new Error('apiKeyVerifier: cacheSeconds must be positive')
  return async function verifyApiKey(key, c) {
    const keyHash = await sha256Hex(key)
    const cacheKey = ANSWER_CACHE_ORIGIN + keyHash
    const cache = caches.default
    const remembered = await cache.match(cacheKey)
    if (remembered) return { userId: ((await remembered.json()) as { id: string }).id, keyHash }

    const answer = await options.origin.fetch({
      method: 'GET',
      pathWithQuery: '/v1/me',
      headers: new Headers({ authorization: `Bearer ${key}`, accept: 'application/json' }),
      body: null,
      clientIp: c.get('clientIp'),
      userId: '',
      requestId: c.get('requestId'),
    })
    if (answer.status === 401 || answer.status === 403) return null
    // Anything else is the core failing, not the key: answered 502 like any origin failure.
    if (!answer.ok) throw new OriginUnavailableError(`API key check answered ${answer.status}`)
    const me = (await answer.json().catch(() => ({}))) as { id?: unknown }
    if (typeof me.id !== 'string' || !me.id) throw new OriginUnavailableError('API key check answered without a user id')

    const stored = new Response(JSON.stringify({ id: me.id }), {
      headers: { 'content-type': 'application/json', 'cache-control': `max-age=${options.cacheSeconds}` },
    })
    await cache.put(cacheKey, stored)
    return { userId: me.id, keyHash }
  }
}
