import type { CacheLookup } from './middleware/cache/lookup'
import type { Principal } from './principal'

export interface EdgeVariables {
  requestId: string
  clientIp: string
  principal: Principal
  cacheLookup?: CacheLookup
}

/** Hono's context for the edge. No `Bindings`: the middleware gets its stores from `newApp`, never from `c.env`. */
export interface EdgeEnv {
  Variables: EdgeVariables
}
