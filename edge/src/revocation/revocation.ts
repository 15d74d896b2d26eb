import type { Handler } from 'hono'
import type { CacheIndexStore, SessionLeases } from '../middleware/cache'
import { sessionCredential, userScope } from '../middleware/cache'
import { problemException } from '../problem'
import type { EdgeEnv } from '../types'

/** Where the core reports ended sessions (docs/contracts.md, "Revocations (core -> edge)"). */
export const REVOCATIONS_PATH = '/__edge/revocations'

// The core's clock and ours may differ a little; a replay outside this is refused (a replay inside it only revokes again).
const MAX_SKEW_SECONDS = 60
const MAX_SESSIONS = 1_000
const ID = /^[A-Za-z0-9._:-]{1,128}$/

export interface RevocationOptions {
  sharedSecret: string
  index: CacheIndexStore
  leases: SessionLeases
}

export interface RevocationNotice {
  user: string
  sessions: string[]
  everything: boolean
}

const encoder = new TextEncoder()

/** What the core signs: a label of its own, so no signature made for another message can pass as one. */
export function revocationSigningInput(timestamp: string, body: string): string {
  return `revocation\n${timestamp}\n${body}`
}

function unauthorized(detail: string) {
  return problemException(401, 'unauthorized', 'Unauthorized', detail)
}

function invalid(field: string, message: string) {
  return problemException(422, 'validation', 'Unprocessable Content', `${field} ${message}`, {}, [{ field, message }])
}

function parseNotice(body: string): RevocationNotice {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw invalid('body', 'must be JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body', 'must be a JSON object')
  const { user, sessions = [], everything = false } = value as Record<string, unknown>
  if (typeof user !== 'string' || !ID.test(user)) throw invalid('user', 'must be a user id')
  if (!Array.isArray(sessions) || sessions.length > MAX_SESSIONS)
    throw invalid('sessions', `must be an array of at most ${MAX_SESSIONS} session ids`)
  for (const [i, sid] of sessions.entries()) {
    if (typeof sid !== 'string' || !ID.test(sid)) throw invalid(`sessions[${i}]`, 'must be a session id')
  }
  if (typeof everything !== 'boolean') throw invalid('everything', 'must be a boolean')
  return { user, sessions: sessions as string[], everything }
}

function hexBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16))
}

/**
 * The core tells the edge which sessions ended (logout, a revoked session, a password or role
 * change, an erased account). The revocation is kept in the user's cache index, which every
 * location asks before serving that session from its cache (SessionLeases); the entries this
 * location holds are deleted at once. Signed with the shared secret, like the edge's own headers.
 */
export function revocations(options: RevocationOptions): Handler<EdgeEnv> {
  if (options.sharedSecret.length < 16) throw new Error('revocations: the shared secret is too short')
  const key = crypto.subtle.importKey('raw', encoder.encode(options.sharedSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])

  return async function revocations(c) {
    const timestamp = c.req.header('x-edge-timestamp') ?? ''
    const signature = hexBytes(c.req.header('x-edge-signature') ?? '')
    const body = await c.req.text()
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS || !signature) {
      throw unauthorized('A revocation needs a fresh X-Edge-Timestamp and an X-Edge-Signature')
    }
    const valid = await crypto.subtle.verify('HMAC', await key, signature, encoder.encode(revocationSigningInput(timestamp, body)))
    if (!valid) throw unauthorized('The revocation signature does not verify')

    const notice = parseNotice(body)
    const scope = userScope(notice.user)
    const credentials = notice.sessions.map(sessionCredential)
    let keys: string[]
    try {
      keys = await options.index.revoke(scope, { credentials, everything: notice.everything })
    } catch (err) {
      console.error(JSON.stringify({ msg: 'revocation not recorded', requestId: c.get('requestId'), error: String(err) }))
      throw problemException(503, 'revocation-unavailable', 'Service Unavailable', 'The revocation could not be recorded; retry.', {
        'retry-after': '1',
      })
    }
    for (const credential of credentials) options.leases.end(scope, credential)
    // The Cache API is per location: this deletes what is held here; elsewhere the leases run out.
    await Promise.all(keys.map((cacheKey) => caches.default.delete(cacheKey)))
    return c.json({ purged: keys.length })
  }
}
