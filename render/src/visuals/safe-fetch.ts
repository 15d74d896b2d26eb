// Fetches user-supplied media only from public addresses: every hop's host is resolved once, refused
// when any address is loopback, private, link-local, CGNAT, metadata or otherwise non-public, and the
// connection goes to the address that was vetted (no second lookup for DNS to answer differently:
// rebinding). TLS still checks the certificate against the host name. Redirects are followed by hand
// and vetted again. The refusal names the host, never the address: that stays in the logs.
import { lookup } from 'node:dns/promises'
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { isPublicAddress, type VideoJob } from '@ytempire/contract'
import { InvalidInputError, providerFailure, UnsafeUrlError } from '../errors'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}
/** Every address of a host name (tests resolve their own names). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>

/** Bytes a video may still download (the plan's mediaBytes), shared by its downloads. */
export interface MediaBudget {
  left: number
}

/** What the video may download: the plan's mediaBytes less what it already did (no limit in jobs that carry none). */
export const mediaBudgetOf = (video: VideoJob, spent = 0): MediaBudget => ({
  left: (video.limits?.mediaBytes ?? Number.POSITIVE_INFINITY) - spent,
})

export interface SafeFetchOptions {
  maxBytes: number
  timeoutMs: number
  /** content-type prefixes accepted, e.g. ['image/', 'video/'] */
  accept: string[]
  signal?: AbortSignal
  /** tests only: let loopback/private addresses through (still resolved once and pinned) */
  allowPrivateHosts?: boolean
  /** exact `host:port` origins trusted despite a private address (an internal media CDN) */
  allowHosts?: string[]
  maxRedirects?: number
  headers?: Record<string, string>
  budget?: MediaBudget
  resolve?: Resolver
}

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }))

/**
 * The addresses to connect to for `url`: its host resolved once, every address public (unless the
 * host is trusted). Throws UnsafeUrlError, naming the host only, when one is not.
 */
export async function vetUrl(
  url: URL,
  opts: Pick<SafeFetchOptions, 'allowPrivateHosts' | 'allowHosts' | 'resolve'> = {},
): Promise<ResolvedAddress[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError(`refused scheme ${url.protocol}`)
  if (url.username || url.password) throw new UnsafeUrlError('refused URL with credentials')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const literal = isIP(host)
  let addresses: ResolvedAddress[]
  if (literal) addresses = [{ address: host, family: literal as 4 | 6 }]
  else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host)
    } catch {
      throw new InvalidInputError(`cannot resolve ${host}`)
    }
  }
  if (addresses.length === 0) throw new InvalidInputError(`cannot resolve ${host}`)
  if (opts.allowPrivateHosts || (opts.allowHosts ?? []).includes(url.host)) return addresses
  const blocked = addresses.find((a) => !isPublicAddress(a.address))
  if (blocked) throw new UnsafeUrlError(`refused ${host}: it is not an address on the public internet`, blocked.address)
  return addresses
}

/** GET to one of the vetted addresses, never looking the host up again. */
function pinnedGet(
  url: URL,
  vetted: ResolvedAddress[],
  headers: Record<string, string> | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const first = vetted[0]!
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, vetted)
    else callback(null, first.address, first.family)
  }
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).get(url, { lookup: pinned, agent: false, headers, signal }, resolve)
    req.on('error', reject)
  })
}

/** Downloads `rawUrl` into `path`, following redirects by hand so each hop is vetted. */
export async function safeDownload(
  rawUrl: string,
  path: string,
  opts: SafeFetchOptions,
): Promise<{ contentType: string; bytes: number; url: string }> {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new InvalidInputError(`invalid URL ${rawUrl}`)
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  const budget = opts.budget ?? { left: Number.POSITIVE_INFINITY }
  const cap = Math.min(opts.maxBytes, budget.left)
  const tooLarge = (bytes: number | string) =>
    new InvalidInputError(
      cap < opts.maxBytes
        ? `media too large: the video's media would pass the plan's limit (${bytes} bytes, ${budget.left} left)`
        : `media too large: ${bytes} bytes > ${opts.maxBytes}`,
    )
  for (let hop = 0; hop <= (opts.maxRedirects ?? 5); hop++) {
    const vetted = await vetUrl(url, opts)
    let res: IncomingMessage
    try {
      res = await pinnedGet(url, vetted, opts.headers, signal)
    } catch (err) {
      signal.throwIfAborted()
      throw providerFailure(url.host, 0, (err as Error).message)
    }
    const status = res.statusCode ?? 0
    if (status >= 300 && status < 400) {
      const location = res.headers.location
      res.destroy()
      if (!location) throw new InvalidInputError(`redirect without Location from ${url.host}`)
      url = new URL(location, url)
      continue
    }
    if (status < 200 || status >= 300) {
      res.destroy()
      throw providerFailure(url.host, status, `GET ${url.pathname}`)
    }
    const contentType = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (!opts.accept.some((prefix) => contentType.startsWith(prefix))) {
      res.destroy()
      throw new InvalidInputError(`refused content-type ${contentType || '(none)'} from ${url.host}`)
    }
    const declared = Number(res.headers['content-length'] ?? '0')
    if (declared > cap) {
      res.destroy()
      throw tooLarge(declared)
    }
    const writer = Bun.file(path).writer()
    let bytes = 0
    try {
      for await (const chunk of res as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength
        if (bytes > cap) throw tooLarge(`over ${cap}`)
        writer.write(chunk)
      }
    } catch (err) {
      res.destroy()
      signal.throwIfAborted()
      throw err
    } finally {
      await writer.end()
    }
    budget.left -= bytes
    return { contentType, bytes, url: url.toString() }
  }
  throw new InvalidInputError('too many redirects')
}
