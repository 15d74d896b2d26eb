// Posts a webhook to an operator's receiver without letting the address reach into our network: the
// host is resolved here, every address it resolves to must be public, and the connection goes to the
// address we vetted (the lookup hook), so DNS cannot answer differently between check and connect.
// TLS still verifies the certificate against the host name. Redirects are answers, never followed.
import { lookup as dnsLookup } from 'node:dns/promises'
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { isPublicAddress } from '@ytempire/contract'

export interface DeliveryTarget {
  allowPrivateTargets: boolean
  timeoutMs: number
  /** Bytes of the answer read and kept; the rest is discarded unread. */
  excerptBytes: number
}

export interface DeliveryResult {
  statusCode?: number
  /** Why there is no answer: refused address, timeout, connection error. */
  error?: string
  latencyMs: number
  excerpt?: string
  /** The address is not one we deliver to (not public, not https). */
  refused?: boolean
}

/** A URL the core will deliver to, or why not (checked when an endpoint is saved, and again at each attempt). */
export function checkWebhookUrl(raw: string, allowPrivateTargets: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && !(allowPrivateTargets && url.protocol === 'http:')) return 'must be an https:// URL'
  if (url.username || url.password) return 'must not carry credentials'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivateTargets && isIP(host) && !isPublicAddress(host)) return `${host} is not a public address`
  if (!allowPrivateTargets && (host === 'localhost' || host.endsWith('.localhost'))) return `${host} is not a public address`
  return undefined
}

/** Every address of the host, or an error naming the first that is not public. */
export async function resolvePublic(host: string, allowPrivateTargets: boolean): Promise<{ address: string; family: 4 | 6 }[]> {
  const bare = host.replace(/^\[|\]$/g, '')
  const family = isIP(bare)
  const addresses = family
    ? [{ address: bare, family: family as 4 | 6 }]
    : (await dnsLookup(bare, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }))
  if (addresses.length === 0) throw new Error(`cannot resolve ${bare}`)
  if (!allowPrivateTargets) {
    const blocked = addresses.find((a) => !isPublicAddress(a.address))
    if (blocked) throw new RefusedAddressError(`refused ${bare}: it resolves to the non-public address ${blocked.address}`)
  }
  return addresses
}

export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError'
}

export async function postWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  opts: DeliveryTarget,
): Promise<DeliveryResult> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const problem = checkWebhookUrl(rawUrl, opts.allowPrivateTargets)
  if (problem) return { error: `refused: the URL ${problem}`, latencyMs: 0, refused: true }
  const url = new URL(rawUrl)
  let vetted: { address: string; family: 4 | 6 }[]
  try {
    vetted = await resolvePublic(url.hostname, opts.allowPrivateTargets)
  } catch (err) {
    return { error: (err as Error).message, latencyMs: elapsed(), refused: err instanceof RefusedAddressError }
  }
  const first = vetted[0]!
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: typeof vetted) => void)(null, vetted)
    else callback(null, first.address, first.family)
  }
  const client = url.protocol === 'https:' ? https : http
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false
    const finish = (r: Omit<DeliveryResult, 'latencyMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({ ...r, latencyMs: elapsed() })
    }
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'ytempire-webhooks/1',
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        let kept = 0
        res.on('data', (chunk: Buffer) => {
          if (kept >= opts.excerptBytes) return
          chunks.push(chunk.subarray(0, opts.excerptBytes - kept))
          kept += Math.min(chunk.length, opts.excerptBytes - kept)
          // Enough for the log: stop reading a large answer.
          if (kept >= opts.excerptBytes) {
            finish({ statusCode: res.statusCode, excerpt: Buffer.concat(chunks).toString('utf8') })
            res.destroy()
          }
        })
        res.on('end', () => finish({ statusCode: res.statusCode, excerpt: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', () => finish({ statusCode: res.statusCode, excerpt: Buffer.concat(chunks).toString('utf8') }))
      },
    )
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${opts.timeoutMs} ms` })
      req.destroy()
    }, opts.timeoutMs)
    req.on('error', (err) => finish({ error: err.message }))
    req.end(body)
  })
}
