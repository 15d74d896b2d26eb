/** Helpers for tests that run inside workerd. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { importJWK, type JWTPayload, SignJWT } from 'jose'
import { inject } from 'vitest'
import { type AppDependencies, newApp } from '../src/app'
import { type EdgeConfig, loadConfig } from '../src/config'
import worker from '../src/index'
import { durableObjectCacheIndex } from '../src/middleware/cache'
import { durableObjectRateLimits } from '../src/middleware/rate-limit'

export const ORIGIN_URL = inject('originUrl')
export const PRIVATE_JWK = inject('privateJwk')

export function testConfig(overrides: Partial<EdgeConfig> = {}): EdgeConfig {
  return { ...loadConfig(env), ...overrides }
}

type Fetchable = {
  fetch(request: Request, env: typeof import('cloudflare:workers').env, ctx: ExecutionContext): Response | Promise<Response>
}

/** Sends a request through an edge app (the deployed worker by default) and waits for its background work. */
export async function edge(
  path: string,
  init: RequestInit & { ip?: string } = {},
  target: Fetchable = worker as unknown as Fetchable,
): Promise<Response> {
  // A fresh address per request unless a test picks one, so anonymous tests never share a rate-limit bucket.
  const { ip = `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`, ...rest } = init
  const headers = new Headers(rest.headers)
  if (!headers.has('cf-connecting-ip')) headers.set('cf-connecting-ip', ip)
  const ctx = createExecutionContext()
  const response = await target.fetch(new Request(`https://api.ytempire.test${path}`, { ...rest, headers }), env, ctx)
  // Reads the body so that cache writes fed by it (a tee) can finish.
  const body = [101, 204, 205, 304].includes(response.status) ? null : await response.arrayBuffer()
  await waitOnExecutionContext(ctx)
  return new Response(body, response)
}

/** The stores the deployed worker uses: the Durable Objects of the test's bindings. */
export function durableObjectStores(): AppDependencies {
  return { rateLimits: durableObjectRateLimits(env.RATE_LIMITER), cacheIndex: durableObjectCacheIndex(env.CACHE_INDEX) }
}

/** An edge app (a separate isolate, in effect) with its own configuration, and the real stores unless a test swaps one. */
export function edgeApp(overrides: Partial<EdgeConfig> = {}, deps: Partial<AppDependencies> = {}): Fetchable {
  return newApp(testConfig(overrides), { ...durableObjectStores(), ...deps }) as unknown as Fetchable
}

export async function originHits(path: string): Promise<number> {
  const res = await fetch(`${ORIGIN_URL}/__hits?path=${encodeURIComponent(path)}`)
  return ((await res.json()) as { hits: number }).hits
}

export function uniqueId(label = 't'): string {
  return `${label}-${crypto.randomUUID()}`
}

/** An access token as the core issues it (docs/contracts.md), with claims overridable. */
export async function accessToken(sub: string, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const key = await importJWK(PRIVATE_JWK, 'RS256')
  const now = Math.floor(Date.now() / 1000)
  const payload = {
    iss: 'ytempire',
    aud: 'ytempire-api',
    sub,
    role: 'member',
    sid: uniqueId('sid'),
    iat: now,
    exp: now + 900,
    ...claims,
  }
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: PRIVATE_JWK.kid, typ: 'JWT', ...header }).sign(key)
}

export function bearer(token: string): HeadersInit {
  return { authorization: `Bearer ${token}` }
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.clone().json()) as T
}
