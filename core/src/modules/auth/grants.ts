// Signed, short-lived read grants for what a browser loads without headers: a <video> element making its
// own Range requests, an <img>, a page opened in a new tab. A grant names one path (and what lies under
// it), the user, their role and their session; the route still checks ownership with that user, and the
// grant dies with the session (signed out, role changed, idle).
import { createHmac } from 'node:crypto'
import type { Config } from '../../config'
import { timingSafeEqualHex } from '../../crypto/hash'
import type { Role } from './principal'
import { derivedKeys } from './web-session'

export const GRANT_PARAM = 'access'
export const GRANT_TTL_S = 3600

export interface Grant {
  /** The path the grant opens, e.g. /v1/videos/<id>/file; paths under it are opened too. */
  path: string
  userId: string
  role: Role
  sessionId: string
  /** Unix seconds. */
  expiresAt: number
}

export function createGrants(config: Pick<Config, 'secretKeys'>) {
  const keys = derivedKeys(config, 'grant')
  const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('hex')

  return {
    sign(grant: Grant): string {
      const payload = Buffer.from(JSON.stringify([grant.path, grant.userId, grant.role, grant.sessionId, grant.expiresAt])).toString(
        'base64url',
      )
      return `${payload}.${mac(keys[0]!, payload)}`
    },

    /** The grant in `token` if it verifies, has not expired and opens `path`; otherwise undefined. */
    verify(token: string, path: string): Grant | undefined {
      const dot = token.indexOf('.')
      if (dot < 1) return undefined
      const payload = token.slice(0, dot)
      const sig = token.slice(dot + 1)
      if (!keys.some((k) => timingSafeEqualHex(mac(k, payload), sig))) return undefined
      let grant: Grant
      try {
        const [p, userId, role, sessionId, expiresAt] = JSON.parse(Buffer.from(payload, 'base64url').toString())
        grant = { path: p, userId, role, sessionId, expiresAt }
      } catch {
        return undefined
      }
      if (grant.expiresAt < Date.now() / 1000) return undefined
      if (path !== grant.path && !path.startsWith(`${grant.path}/`)) return undefined
      return grant
    },
  }
}
export type Grants = ReturnType<typeof createGrants>

/** The grant token in a URL's query, if any. */
export function grantFrom(url: string): string | undefined {
  const q = url.indexOf('?')
  if (q === -1) return undefined
  return new URLSearchParams(url.slice(q + 1)).get(GRANT_PARAM) ?? undefined
}
