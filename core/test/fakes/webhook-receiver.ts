// An operator's webhook receiver for the tests: every request is verified with the `standardwebhooks`
// package (the endpoint's secret, registered per path) and kept. Paths behave in their own ways:
// `/redirect…` answers 302, `/down…` 503, a path given failures answers 500 that many times first.
import { Webhook } from 'standardwebhooks'

export interface Received {
  path: string
  id: string
  verified: boolean
  /** The request as it came, to verify again with another secret (a receiver holding that one). */
  headers: Record<string, string>
  raw: string
  body: { type: string; timestamp: string; data: Record<string, any> }
}

/** Whether a receiver holding only `secret` accepts the request (the `standardwebhooks` verifier). */
export function verifies(r: Pick<Received, 'headers' | 'raw'>, secret: string): boolean {
  try {
    new Webhook(secret).verify(r.raw, r.headers)
    return true
  } catch {
    return false
  }
}

export function startWebhookReceiver() {
  const received: Received[] = []
  const secrets = new Map<string, string>() // path -> whsec_
  const flaky = new Map<string, number>() // path -> failures left
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname
      const body = await req.text()
      const headers = Object.fromEntries(req.headers)
      const verified = verifies({ headers, raw: body }, secrets.get(path) ?? 'whsec_AAAA')
      received.push({ path, id: req.headers.get('webhook-id') ?? '', verified, headers, raw: body, body: JSON.parse(body) })
      if (path.startsWith('/redirect')) return new Response(null, { status: 302, headers: { location: '/landing' } })
      if (path.startsWith('/down')) return new Response('down for maintenance', { status: 503 })
      const left = flaky.get(path) ?? 0
      if (left > 0) {
        flaky.set(path, left - 1)
        return new Response(`{"error":"temporarily broken"}${'x'.repeat(10_000)}`, { status: 500 })
      }
      return verified ? new Response(null, { status: 204 }) : new Response('bad signature', { status: 400 })
    },
  })
  return {
    port: server.port,
    base: `http://127.0.0.1:${server.port}`,
    received,
    /** The endpoint at `path` signs with `secret` (as shown once when it was registered). */
    secret: (path: string, secret: string) => secrets.set(path, secret),
    /** The next `times` deliveries to `path` answer 500. */
    failNext: (path: string, times: number) => flaky.set(path, times),
    /** What reached `path`, oldest first. */
    at: (path: string) => received.filter((r) => r.path === path),
    stop: () => server.stop(true),
  }
}
