// The typed way other code (tests, web app, CLI) calls the core.
import { treaty } from '@elysiajs/eden'
import type { App } from './app'

export function createClient(
  baseUrl: string,
  opts: { token?: () => string | undefined; fetcher?: typeof fetch; headers?: () => Record<string, string> } = {},
) {
  return treaty<App>(baseUrl, {
    fetcher: opts.fetcher,
    // Eden would turn any string that looks like a date into a Date, whatever the schema types it as
    // (a slot's local time "2026-11-27 09:00", a Pacific day): values stay what their types say.
    parseDate: false,
    headers: () => {
      const token = opts.token?.()
      return { ...(opts.headers?.() ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }
    },
  })
}

/** A client bound to an app object, no network: what the tests use. */
export function createLocalClient(app: App, opts: { token?: () => string | undefined; headers?: () => Record<string, string> } = {}) {
  return treaty<App>(app, {
    headers: () => {
      const token = opts.token?.()
      return { ...(opts.headers?.() ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }
    },
  })
}
export type Client = ReturnType<typeof createClient>
