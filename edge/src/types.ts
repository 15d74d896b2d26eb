import type { Env } from './config'
import type { CacheLookup } from './middleware/cache/cache'

/** Who the edge verified the caller to be. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; role?: string }
  // The core checks the key again on every request; the edge only learns whose it is.
  | { kind: 'api_key'; userId: string; keyHash: string }

export const ANONYMOUS: Principal = { kind: 'anonymous' }

export interface EdgeVariables {
  requestId: string
  clientIp: string
  principal: Principal
  cacheLookup?: CacheLookup
}

export interface EdgeEnv {
  Bindings: Env
  Variables: EdgeVariables
}
