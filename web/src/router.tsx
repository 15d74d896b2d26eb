import type { QueryClient } from '@tanstack/react-query'
import { createRootRouteWithContext, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router'
import { VIDEO_STATUSES } from '@ytempire/contract'
import { type ConnectOutcome, connectOutcomeOf } from './api/publishing'
import { session } from './api/session'
import { SECTIONS } from './nav'
import { Admin } from './pages/admin'
import { AnalyticsPage } from './pages/analytics'
import { ApiKeys } from './pages/api-keys'
import { Billing } from './pages/billing'
import { ChannelPage } from './pages/channel'
import { Channels } from './pages/channels'
import { NewVideo } from './pages/new-video'
import { Overview } from './pages/overview'
import { Security } from './pages/security'
import { NotFound, Shell, Upcoming } from './pages/shell'
import { SignIn } from './pages/sign-in'
import { SignUp } from './pages/sign-up'
import { VideoPage } from './pages/video'
import { Videos } from './pages/videos'
import { Webhooks } from './pages/webhooks'

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined)

const root = createRootRouteWithContext<{ queryClient: QueryClient }>()({ component: Outlet, notFoundComponent: NotFound })

const signIn = createRoute({
  getParentRoute: () => root,
  path: '/sign-in',
  validateSearch: (s: Record<string, unknown>) => ({ next: str(s.next), ended: s.ended ? 1 : undefined }),
  beforeLoad: () => {
    if (session.get().status === 'signed-in') throw redirect({ to: '/' })
  },
  component: SignIn,
})
const signUp = createRoute({ getParentRoute: () => root, path: '/sign-up', component: SignUp })

// Everything else needs a session; without one the page asks to sign in and comes back afterwards.
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  beforeLoad: ({ location }) => {
    if (session.get().status !== 'signed-in') throw redirect({ to: '/sign-in', search: { next: location.href, ended: undefined } })
  },
  component: Shell,
})

const page = <P extends string>(path: P, component: () => React.ReactNode) => createRoute({ getParentRoute: () => app, path, component })

const upcoming = SECTIONS.filter((s) => s.upcoming).map((s) =>
  createRoute({ getParentRoute: () => app, path: s.to, component: () => <Upcoming label={s.label} module={s.upcoming!} /> }),
)

const routeTree = root.addChildren([
  signIn,
  signUp,
  app.addChildren([
    page('/', Overview),
    page('/channels', Channels),
    createRoute({
      getParentRoute: () => app,
      path: '/channels/$channelId',
      // Where the core sends a browser back from Google's consent page, saying how it went.
      validateSearch: (s: Record<string, unknown>): { youtube?: ConnectOutcome } => ({ youtube: connectOutcomeOf(s.youtube) }),
      component: ChannelPage,
    }),
    createRoute({
      getParentRoute: () => app,
      path: '/videos/',
      validateSearch: (s: Record<string, unknown>) => ({
        channelId: str(s.channelId),
        status: VIDEO_STATUSES.find((v) => v === s.status),
      }),
      component: Videos,
    }),
    createRoute({
      getParentRoute: () => app,
      path: '/videos/new',
      validateSearch: (s: Record<string, unknown>) => ({ channelId: str(s.channelId) }),
      component: NewVideo,
    }),
    page('/videos/$videoId', VideoPage),
    createRoute({
      getParentRoute: () => app,
      path: '/analytics',
      validateSearch: (s: Record<string, unknown>) => ({
        month: typeof s.month === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(s.month) ? s.month : undefined,
        channelId: str(s.channelId),
      }),
      component: AnalyticsPage,
    }),
    page('/api-keys', ApiKeys),
    page('/security', Security),
    page('/billing', Billing),
    page('/webhooks', Webhooks),
    createRoute({
      getParentRoute: () => app,
      path: '/admin',
      beforeLoad: () => {
        const s = session.get()
        if (s.status === 'signed-in' && s.user.role !== 'admin') throw redirect({ to: '/' })
      },
      component: Admin,
    }),
    ...upcoming,
  ]),
])

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({ routeTree, context: { queryClient }, defaultPreload: 'intent', scrollRestoration: true })
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>
  }
}
