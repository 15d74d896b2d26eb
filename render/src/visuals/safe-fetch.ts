// Fetches user-supplied media only from public addresses: every hop's host is resolved and refused
// when any address is loopback, private, link-local, CGNAT, metadata or otherwise non-public.
// Residual risk: DNS may change between our lookup and fetch's own (rebinding); run workers with
// egress rules as the second fence.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { isPublicAddress } from '@ytempire/contract'
import { InvalidInputError, providerFailure, UnsafeUrlError } from '../errors'

export interface SafeFetchOptions {
  maxBytes: number
  timeoutMs: number
  /** content-type prefixes accepted, e.g. ['image/', 'video/'] */
  accept: string[]
  signal?: AbortSignal
  /** tests only: let loopback/private hosts through */
  allowPrivateHosts?: boolean
  /** exact `host:port` origins trusted despite a private address (an internal media CDN) */
  allowHosts?: string[]
  maxRedirects?: number
  headers?: Record<string, string>
}

/** Throws UnsafeUrlError unless the URL is http(s) and every address its host resolves to is public. */
export async function assertPublicUrl(url: URL, allowPrivateHosts = false): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UnsafeUrlError(`refused scheme ${url.protocol}`)
  if (url.username || url.password) throw new UnsafeUrlError('refused URL with credentials')
  if (allowPrivateHosts) return
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
    } catch {
      throw new InvalidInputError(`cannot resolve ${host}`)
    }
  }
  if (addresses.length === 0) throw new InvalidInputError(`cannot resolve ${host}`)
  const blocked = addresses.find((a) => !isPublicAddress(a))
  if (blocked) throw new UnsafeUrlError(`refused ${url.hostname}: resolves to non-public address ${blocked}`)
}

/** Downloads `rawUrl` into `path`, following redirects by hand so each hop is checked. */
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
  for (let hop = 0; hop <= (opts.maxRedirects ?? 5); hop++) {
    await assertPublicUrl(url, opts.allowPrivateHosts || (opts.allowHosts ?? []).includes(url.host))
    const res = await fetch(url, { redirect: 'manual', signal, headers: opts.headers })
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location')
      await res.body?.cancel()
      if (!location) throw new InvalidInputError(`redirect without Location from ${url.host}`)
      url = new URL(location, url)
      continue
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw providerFailure(url.host, res.status, `GET ${url.pathname}`)
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (!opts.accept.some((prefix) => contentType.startsWith(prefix))) {
      await res.body?.cancel()
      throw new InvalidInputError(`refused content-type ${contentType || '(none)'} from ${url.host}`)
    }
    const declared = Number(res.headers.get('content-length') ?? '0')
    if (declared > opts.maxBytes) {
      await res.body?.cancel()
      throw new InvalidInputError(`media too large: ${declared} bytes > ${opts.maxBytes}`)
    }
    const writer = Bun.file(path).writer()
    let bytes = 0
    try {
      for await (const chunk of res.body ?? []) {
        bytes += chunk.byteLength
        if (bytes > opts.maxBytes) throw new InvalidInputError(`media too large: over ${opts.maxBytes} bytes`)
        writer.write(chunk)
      }
    } finally {
      await writer.end()
    }
    return { contentType, bytes, url: url.toString() }
  }
  throw new InvalidInputError('too many redirects')
}
