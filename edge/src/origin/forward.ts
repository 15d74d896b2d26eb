import type { Context } from 'hono'
import { problemResponse } from '../problem'
import type { EdgeEnv } from '../types'
import { type OriginClient, OriginTimeoutError, OriginUnavailableError } from './origin'

/** The last handler: hands the request to the core and turns transport failures into problems. */
export function forwardToOrigin(origin: OriginClient) {
  return async function forwardToOrigin(c: Context<EdgeEnv>): Promise<Response> {
    const url = new URL(c.req.url)
    const principal = c.get('principal')
    try {
      return await origin.fetch({
        method: c.req.method,
        pathWithQuery: url.pathname + url.search,
        headers: c.req.raw.headers,
        body: c.req.raw.body,
        clientIp: c.get('clientIp'),
        userId: principal?.kind === 'user' ? principal.userId : '',
        requestId: c.get('requestId'),
      })
    } catch (err) {
      if (err instanceof OriginTimeoutError) {
        return problemResponse(504, 'origin-timeout', 'Gateway Timeout', err.message)
      }
      if (err instanceof OriginUnavailableError) {
        return problemResponse(502, 'origin-unavailable', 'Bad Gateway', 'The API is unreachable; try again shortly.')
      }
      throw err
    }
  }
}
