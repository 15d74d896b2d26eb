// A WebSub hub speaking the W3C protocol as YouTube's hub (pubsubhubbub.appspot.com) does: a
// form-encoded subscribe/unsubscribe request answered 202, then the verification of intent (a GET to
// the callback with hub.mode, hub.topic, hub.challenge, hub.lease_seconds; the subscriber must echo
// the challenge), and deliveries of Atom feeds signed `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the
// body>` with the subscription's hub.secret. `fetch` is how it reaches subscribers (tests may route
// it into an app without a socket).
import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface HubSubscription {
  callback: string
  topic: string
  secret?: string
  leaseSeconds: number
  expiresAt: number
}

export interface HubVerification {
  mode: 'subscribe' | 'unsubscribe'
  topic: string
  callback: string
  status: number
  confirmed: boolean
}

export interface HubRequest {
  mode: string
  topic: string
  callback: string
  leaseSeconds?: number
  secret?: string
}

interface Host {
  url: string
  route(
    method: string,
    pattern: RegExp,
    handler: (req: IncomingMessage, res: ServerResponse, url: URL, body: () => Promise<Buffer>) => Promise<void> | void,
  ): void
}

/** YouTube's hub caps leases at 10 days. */
const MAX_LEASE_S = 864_000

export class FakeHub {
  /** active subscriptions by `${callback} ${topic}` */
  readonly subscriptions = new Map<string, HubSubscription>()
  /** every subscribe/unsubscribe request received, in order */
  readonly requests: HubRequest[] = []
  readonly verifications: HubVerification[] = []
  fetch: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init)
  private pending: Promise<void>[] = []

  constructor(private readonly host: Host) {
    host.route('POST', /^\/subscribe$/, (req, res, _url, body) => this.subscribeEndpoint(req, res, body))
  }

  get url(): string {
    return `${this.host.url}/subscribe`
  }

  /** Waits for the verifications the hub has started. */
  async settled(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0))
  }

  private async subscribeEndpoint(_req: IncomingMessage, res: ServerResponse, body: () => Promise<Buffer>) {
    const form = new URLSearchParams((await body()).toString())
    const mode = form.get('hub.mode') ?? ''
    const topic = form.get('hub.topic') ?? ''
    const callback = form.get('hub.callback') ?? ''
    const lease = Number(form.get('hub.lease_seconds') ?? 432_000)
    const secret = form.get('hub.secret') ?? undefined
    this.requests.push({ mode, topic, callback, leaseSeconds: lease, secret })
    const fail = (why: string) => {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end(why)
    }
    if (mode !== 'subscribe' && mode !== 'unsubscribe') return fail('Invalid value for hub.mode')
    if (!/^https?:\/\//.test(callback)) return fail('Invalid value for hub.callback')
    if (!topic.startsWith('https://www.youtube.com/xml/feeds/videos.xml?channel_id=')) return fail('Invalid topic')
    if (secret && Buffer.byteLength(secret) >= 200) return fail('Invalid value for hub.secret')
    res.writeHead(202, { 'content-type': 'text/plain' })
    res.end()
    const leaseSeconds = Math.min(MAX_LEASE_S, Number.isInteger(lease) && lease > 0 ? lease : 432_000)
    this.pending.push(this.verify(mode, topic, callback, leaseSeconds, secret))
  }

  /** The verification of intent; the subscription changes only if the subscriber echoes the challenge. */
  private async verify(mode: 'subscribe' | 'unsubscribe', topic: string, callback: string, leaseSeconds: number, secret?: string) {
    const challenge = randomBytes(16).toString('hex')
    const u = new URL(callback)
    u.searchParams.set('hub.mode', mode)
    u.searchParams.set('hub.topic', topic)
    u.searchParams.set('hub.challenge', challenge)
    if (mode === 'subscribe') u.searchParams.set('hub.lease_seconds', String(leaseSeconds))
    let status = 0
    let confirmed = false
    try {
      const res = await this.fetch(u.toString(), { method: 'GET' })
      status = res.status
      confirmed = res.ok && (await res.text()) === challenge
    } catch {}
    this.verifications.push({ mode, topic, callback, status, confirmed })
    if (!confirmed) return
    const key = `${callback} ${topic}`
    if (mode === 'unsubscribe') this.subscriptions.delete(key)
    else this.subscriptions.set(key, { callback, topic, secret, leaseSeconds, expiresAt: Date.now() + leaseSeconds * 1000 })
  }

  /** The publisher pinged the hub: every subscriber of the topic gets the feed, signed with its secret. */
  async publish(topic: string, feed: string): Promise<{ callback: string; status: number }[]> {
    const out: { callback: string; status: number }[] = []
    for (const s of this.subscriptions.values()) {
      if (s.topic !== topic || s.expiresAt < Date.now()) continue
      out.push({ callback: s.callback, status: (await this.deliver(s, feed)).status })
    }
    return out
  }

  /** One delivery to one subscription (tests also sign with a wrong secret this way). */
  deliver(s: Pick<HubSubscription, 'callback' | 'topic' | 'secret'>, feed: string): Promise<Response> {
    const headers: Record<string, string> = {
      'content-type': 'application/atom+xml',
      link: `<${this.url.replace(/\/subscribe$/, '')}>; rel=hub, <${s.topic}>; rel=self`,
      'content-length': String(Buffer.byteLength(feed)),
    }
    if (s.secret) headers['x-hub-signature'] = `sha1=${createHmac('sha1', s.secret).update(feed).digest('hex')}`
    return this.fetch(s.callback, { method: 'POST', headers, body: feed })
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** YouTube's notification for a published or updated video. */
export function atomEntryFeed(v: { videoId: string; channelId: string; title: string; published?: string; updated?: string }): string {
  const topic = `https://www.youtube.com/xml/feeds/videos.xml?channel_id=${v.channelId}`
  const published = v.published ?? new Date().toISOString()
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
  <link rel="self" href="${esc(topic)}"/>
  <title>YouTube video feed</title>
  <updated>${v.updated ?? published}</updated>
  <entry>
    <id>yt:video:${v.videoId}</id>
    <yt:videoId>${v.videoId}</yt:videoId>
    <yt:channelId>${v.channelId}</yt:channelId>
    <title>${esc(v.title)}</title>
    <link rel="alternate" href="https://www.youtube.com/watch?v=${v.videoId}"/>
    <author>
      <name>Channel</name>
      <uri>https://www.youtube.com/channel/${v.channelId}</uri>
    </author>
    <published>${published.replace(/(\.\d+)?Z$/, '+00:00')}</published>
    <updated>${(v.updated ?? published).replace(/(\.\d+)?Z$/, '.552394234+00:00')}</updated>
  </entry>
</feed>`
}

/** YouTube's notification for a deleted video (an Atom tombstone). */
export function atomDeletedFeed(v: { videoId: string; channelId: string; when?: string }): string {
  return `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
  <at:deleted-entry ref="yt:video:${v.videoId}" when="${(v.when ?? new Date().toISOString()).replace('Z', '+00:00')}">
    <link href="https://www.youtube.com/watch?v=${v.videoId}"/>
    <at:by>
      <name>Channel</name>
      <uri>https://www.youtube.com/channel/${v.channelId}</uri>
    </at:by>
  </at:deleted-entry>
</feed>`
}
