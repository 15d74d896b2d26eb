// Tells the edge worker which sessions have ended, so its cache never answers them again
// (docs/contracts.md, "Revocations (core -> edge)"; edge/EDGE.md). Off unless EDGE_URL is set.

import { createHmac } from 'node:crypto'
import type { Logger } from './logger'

export interface SessionsEnded {
  user: string
  /** Session ids (`sid`, the refresh-token family) that ended. */
  sessions: string[]
  /** Also drop every cached answer of the user (their role changed, or the account is gone). */
  everything: boolean
}

export interface EdgePurge {
  /** Resolves once the edge has the notice or the first try failed; failed tries go on in the background. */
  sessionsEnded(notice: SessionsEnded): Promise<void>
}

const REVOCATIONS_PATH = '/__edge/revocations'
const TRY_TIMEOUT_MS = 2_000
// About a minute of retries: past it the edge's leases and TTLs bound what it can still serve (at most 300 s).
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000]

/** EDGE_URL as an origin (`https://api.example.com`); throws naming the variable. */
export function edgeUrlFrom(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin
  } catch {}
  throw new Error(`EDGE_URL must be the edge worker's http(s) URL, got "${raw}"`)
}

/** The same signing the edge checks: HMAC-SHA256 over "revocation\n<ts>\n<body>" with EDGE_SHARED_SECRET. */
export function signRevocation(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`revocation\n${timestamp}\n${body}`).digest('hex')
}

export function createEdgePurge(options: { edgeUrl: string; sharedSecret: string; log: Logger }): EdgePurge {
  const { edgeUrl, sharedSecret, log } = options

  /** true: delivered or refused for good (a 4xx, logged); false: worth another try. */
  async function send(notice: SessionsEnded): Promise<boolean> {
    const body = JSON.stringify(notice)
    const timestamp = String(Math.floor(Date.now() / 1000))
    try {
      const res = await fetch(edgeUrl + REVOCATIONS_PATH, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-edge-timestamp': timestamp,
          'x-edge-signature': signRevocation(sharedSecret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(TRY_TIMEOUT_MS),
      })
      await res.arrayBuffer()
      if (res.ok) return true
      if (res.status < 500 && res.status !== 429) {
        log.error({ status: res.status, user: notice.user }, 'the edge refused a revocation (is EDGE_SHARED_SECRET the same on both?)')
        return true
      }
      return false
    } catch {
      return false
    }
  }

  return {
    async sessionsEnded(notice) {
      if (await send(notice)) return
      void (async () => {
        for (const delay of RETRY_DELAYS_MS) {
          await Bun.sleep(delay)
          if (await send(notice)) return
        }
        log.error(
          { user: notice.user, sessions: notice.sessions.length },
          'the edge was not told of ended sessions; its cache may answer them until their entries expire (at most 300 s)',
        )
      })()
    },
  }
}

const perConfig = new WeakMap<object, EdgePurge | null>()

/**
 * The call the session code makes: one notifier per configuration, none without EDGE_URL or the
 * shared secret. Never throws: an unreachable edge must not undo a logout.
 */
export async function tellEdgeSessionsEnded(
  deps: { config: { edgeUrl?: string; edgeSharedSecret?: string }; log: Logger },
  notice: SessionsEnded,
): Promise<void> {
  if (!notice.everything && notice.sessions.length === 0) return
  let purge = perConfig.get(deps.config)
  if (purge === undefined) {
    const { edgeUrl, edgeSharedSecret } = deps.config
    purge = edgeUrl && edgeSharedSecret ? createEdgePurge({ edgeUrl, sharedSecret: edgeSharedSecret, log: deps.log }) : null
    perConfig.set(deps.config, purge)
  }
  await purge?.sessionsEnded(notice)
}
