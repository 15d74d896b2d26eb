import type { EdgeConfig } from '../config'
import { importSigningKey, signEdgeClaims } from './signature'

export interface OriginRequest {
  method: string
  /** Path and query exactly as the caller sent them. */
  pathWithQuery: string
  headers: Headers
  body: ReadableStream | null
  clientIp: string
  /** Verified JWT subject, or "" (anonymous, API key, webhook). */
  userId: string
  requestId: string
}

export class OriginTimeoutError extends Error {
  override name = 'OriginTimeoutError'
}

export class OriginUnavailableError extends Error {
  override name = 'OriginUnavailableError'
}

// Hop-by-hop headers (RFC 9110 7.6.1) and what Cloudflare adds for its own use never travel on.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
])

/** Only the edge may speak for the edge: whatever a caller sent under these names is dropped. */
function isEdgeOnlyHeader(name: string): boolean {
  return name.startsWith('x-edge-') || name.startsWith('cf-') || name === 'x-request-id' || name === 'x-forwarded-for'
}

export interface OriginClient {
  /** Sends a request to the core, signed; throws OriginTimeoutError / OriginUnavailableError. */
  fetch(request: OriginRequest): Promise<Response>
}

export function newOriginClient(config: Pick<EdgeConfig, 'originUrl' | 'sharedSecret' | 'originTimeoutMs'>): OriginClient {
  const base = config.originUrl.origin
  let signingKey: Promise<CryptoKey> | undefined

  return {
    async fetch(request) {
      signingKey ??= importSigningKey(config.sharedSecret)
      const timestamp = Math.floor(Date.now() / 1000)
      const signature = await signEdgeClaims(await signingKey, {
        timestamp,
        method: request.method,
        pathWithQuery: request.pathWithQuery,
        clientIp: request.clientIp,
        userId: request.userId,
        requestId: request.requestId,
      })

      const headers = new Headers()
      for (const [name, value] of request.headers) {
        if (!HOP_BY_HOP.has(name) && !isEdgeOnlyHeader(name)) headers.set(name, value)
      }
      headers.set('X-Edge-Timestamp', String(timestamp))
      headers.set('X-Edge-Client-IP', request.clientIp)
      headers.set('X-Edge-User', request.userId)
      headers.set('X-Request-Id', request.requestId)
      headers.set('X-Edge-Signature', signature)
      headers.set('X-Forwarded-For', request.clientIp)

      // The timeout covers the wait for the response head only: a long download may stream on.
      const controller = new AbortController()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, config.originTimeoutMs)
      try {
        const response = await fetch(base + request.pathWithQuery, {
          method: request.method,
          headers,
          body: request.body,
          redirect: 'manual',
          signal: controller.signal,
        })
        // Fetched responses have immutable headers; the middleware above adds its own.
        return new Response(response.body, response)
      } catch (err) {
        if (timedOut) throw new OriginTimeoutError(`origin did not answer within ${config.originTimeoutMs} ms`)
        throw new OriginUnavailableError(`origin unreachable: ${(err as Error).message}`)
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
