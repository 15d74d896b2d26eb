import { describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { createEdgePurge, signRevocation, tellEdgeSessionsEnded } from '../src/infra/edge-purge'
import { createLogger } from '../src/infra/logger'

/** A stand-in for the edge's revocation endpoint: answers with `statuses` in turn, records what came. */
function fakeEdge(statuses: number[]) {
  const received: { body: string; timestamp: string; signature: string; path: string }[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      received.push({
        body: await req.text(),
        timestamp: req.headers.get('x-edge-timestamp') ?? '',
        signature: req.headers.get('x-edge-signature') ?? '',
        path: new URL(req.url).pathname,
      })
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!
      return status === 200 ? Response.json({ purged: 1 }) : new Response('{}', { status })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, received, stop: () => server.stop(true) }
}

const log = createLogger('silent')
const secret = 'edge-purge-test-secret'
const notice = { user: '00000000-0000-4000-8000-000000000001', sessions: ['00000000-0000-4000-8000-0000000000aa'], everything: false }

describe('edge purge (core -> edge revocations)', () => {
  test('signs the notice as the edge checks it', async () => {
    const edge = fakeEdge([200])
    await createEdgePurge({ edgeUrl: edge.url, sharedSecret: secret, log }).sessionsEnded(notice)
    expect(edge.received).toHaveLength(1)
    const [sent] = edge.received
    expect(sent!.path).toBe('/__edge/revocations')
    expect(JSON.parse(sent!.body)).toEqual(notice)
    expect(Math.abs(Number(sent!.timestamp) - Date.now() / 1000)).toBeLessThan(5)
    expect(sent!.signature).toBe(signRevocation(secret, sent!.timestamp, sent!.body))
    // Independently: HMAC-SHA256 over "revocation\n<ts>\n<body>".
    const expected = new Bun.CryptoHasher('sha256', secret).update(`revocation\n${sent!.timestamp}\n${sent!.body}`).digest('hex')
    expect(sent!.signature).toBe(expected)
    edge.stop()
  })

  test('retries in the background while the edge fails, and gives up on a refusal', async () => {
    const failing = fakeEdge([503, 503, 200])
    await createEdgePurge({ edgeUrl: failing.url, sharedSecret: secret, log }).sessionsEnded(notice)
    // The caller got its answer after the first try; the rest come on their own.
    await waitUntil(() => failing.received.length === 3, { what: 'three attempts' })
    expect(new Set(failing.received.map((r) => r.body))).toEqual(new Set([JSON.stringify(notice)]))
    failing.stop()

    // A refused notice (401) is not retried. Shown against one that is: both would retry on the same
    // schedule, so once the later one's retry has arrived, the earlier one's would have too.
    const received: string[] = []
    const server = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      async fetch(req) {
        const { user } = (await req.json()) as { user: string }
        received.push(user)
        if (user === 'refused') return new Response('{}', { status: 401 })
        return received.filter((u) => u === user).length === 1 ? new Response('{}', { status: 503 }) : Response.json({ purged: 0 })
      },
    })
    const purge = createEdgePurge({ edgeUrl: `http://127.0.0.1:${server.port}`, sharedSecret: secret, log })
    await purge.sessionsEnded({ ...notice, user: 'refused' })
    await purge.sessionsEnded({ ...notice, user: 'retried' })
    await waitUntil(() => received.filter((u) => u === 'retried').length === 2, { what: 'the retried notice twice' })
    expect(received.filter((u) => u === 'refused')).toHaveLength(1)
    server.stop(true)
  })

  test('is off without EDGE_URL, and sends nothing for no sessions', async () => {
    const edge = fakeEdge([200])
    await tellEdgeSessionsEnded({ config: { edgeSharedSecret: secret }, log }, notice)
    await tellEdgeSessionsEnded({ config: { edgeUrl: edge.url, edgeSharedSecret: secret }, log }, { ...notice, sessions: [] })
    await tellEdgeSessionsEnded({ config: { edgeUrl: edge.url, edgeSharedSecret: secret }, log }, notice)
    expect(edge.received).toHaveLength(1)
    edge.stop()
  })
})
