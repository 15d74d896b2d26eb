// Fetches user-supplied media only from public addresses: every hop's host is resolved and refused
// when any address is loopback, private, link-local, CGNAT, metadata or otherwise non-public.
// Residual risk: DNS may change between our lookup and fetch's own (rebinding); run workers with
// egress rules as the second fence.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
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

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0
}

const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
]

export function isPublicIPv4(ip: string): boolean {
  const n = ipv4ToInt(ip)
  return !V4_BLOCKED.some(([base, bits]) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return (n & mask) >>> 0 === (ipv4ToInt(base) & mask) >>> 0
  })
}

/** Expands an IPv6 literal into 8 16-bit groups (handles `::` and an embedded dotted IPv4 tail). */
function ipv6Groups(ip: string): number[] {
  let addr = ip.split('%')[0]!.toLowerCase()
  const v4tail = addr.match(/(\d+\.\d+\.\d+\.\d+)$/)
  if (v4tail) {
    const n = ipv4ToInt(v4tail[1]!)
    addr = `${addr.slice(0, -v4tail[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`
  }
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined]
  const h = head ? head.split(':').filter(Boolean) : []
  const t = tail ? tail.split(':').filter(Boolean) : []
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0')
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16))
}

export function isPublicIPv6(ip: string): boolean {
  const g = ipv6Groups(ip)
  if (g.length !== 8 || g.some((x) => !Number.isFinite(x))) return false
  const embedded = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  if (g.every((x) => x === 0)) return false // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return false // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return isPublicIPv4(embedded(g[6]!, g[7]!)) // ::ffff:a.b.c.d
  if (g.slice(0, 6).every((x) => x === 0)) return isPublicIPv4(embedded(g[6]!, g[7]!)) // deprecated ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isPublicIPv4(embedded(g[6]!, g[7]!)) // NAT64
  if (g[0] === 0x2002) return isPublicIPv4(embedded(g[1]!, g[2]!)) // 6to4
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return false // fc00::/7 unique local (incl. fd00:ec2::254 metadata)
  if ((first & 0xffc0) === 0xfe80) return false // link-local
  if ((first & 0xffc0) === 0xfec0) return false // site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return false // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false // documentation
  if (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return false // discard-only
  if (first === 0x2001 && g[1]! < 0x0200) return false // 2001::/23 IETF protocol assignments (Teredo etc.)
  return true
}

export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip)
  if (family === 4) return isPublicIPv4(ip)
  if (family === 6) return isPublicIPv6(ip)
  return false
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
