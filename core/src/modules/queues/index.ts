// The BullMQ queues through bull-board, for administrators. A browser opens the board as a page, so it
// cannot send the access token: the web app asks for a signed grant for /admin/queues, the first request
// trades it for an HttpOnly cookie scoped to the board, and every request checks that the grant's session
// is still alive (a changed role or a sign-out ends it). Actions (retry, clean, pause) also need our Origin.
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { ElysiaAdapter } from '@bull-board/elysia'
import { QUEUES } from '@ytempire/contract'
import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { pathOf } from '../../http/plugin'
import { forbidden, unauthorized } from '../../http/problem'
import { QUEUES_CSP } from '../../http/security-headers'
import { createGrants, grantFrom } from '../auth/grants'
import { createWebSessions, readCookie } from '../auth/web-session'
import { AUTOPILOT_QUEUE } from '../autopilot/service'
import { METER_QUEUE, PLAN_EXPIRY_QUEUE } from '../billing/service'
import { WEBHOOK_QUEUE } from '../webhooks/service'

export const QUEUES_PATH = '/admin/queues'
const QUEUES_COOKIE = 'yt_queues'

export async function queuesBoard(deps: Deps) {
  const adapter = new ElysiaAdapter(QUEUES_PATH)
  createBullBoard({
    // The render pipeline's queues and the core's own background queues, under the installation's prefix.
    queues: [...Object.values(QUEUES), WEBHOOK_QUEUE, METER_QUEUE, PLAN_EXPIRY_QUEUE, AUTOPILOT_QUEUE].map(
      (name) => new BullMQAdapter(deps.jobs.queue(name)),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'ytempire queues' } },
  })
  const board = await adapter.registerPlugin()
  const grants = createGrants(deps.config)
  const web = createWebSessions(deps.config)

  return new Elysia({ name: 'queues-board', seed: deps.instanceId })
    .onBeforeHandle(async ({ request, set }) => {
      const path = pathOf(request.url).split('?')[0]!
      const fromQuery = grantFrom(request.url)
      const token = fromQuery ?? readCookie(request.headers.get('cookie'), QUEUES_COOKIE)
      const grant = token ? grants.verify(token, QUEUES_PATH) : undefined
      if (!grant || !(await deps.sessions.touch(grant.sessionId)))
        throw unauthorized(
          'Open the queues from the Admin page of the web app (the link has expired or the session ended)',
          'invalid-grant',
        )
      if (grant.role !== 'admin') throw forbidden('Administrators only')
      if (request.method !== 'GET' && request.method !== 'HEAD') web.checkOrigin(request)
      set.headers['Content-Security-Policy'] = QUEUES_CSP
      if (fromQuery) {
        // The grant leaves the address bar (and the history, and any Referer) at once.
        const maxAge = Math.max(0, grant.expiresAt - Math.floor(Date.now() / 1000))
        set.headers['set-cookie'] = `${QUEUES_COOKIE}=${token}; Path=${QUEUES_PATH}; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`
        set.headers['cache-control'] = 'no-store'
        return new Response(null, { status: 303, headers: { location: path === QUEUES_PATH ? `${QUEUES_PATH}/` : path } })
      }
    })
    .use(board)
}
