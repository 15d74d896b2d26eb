// Which IP addresses are public: the one list behind every guard against server-side request forgery
// (the render workers' media downloads, the core's outgoing webhooks). No runtime dependencies, so
// it runs anywhere the contract does.

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

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
  // ::ffff:0:0/96 (IPv4-mapped) and ::ffff:0:0:0/96 (IPv4-translated): no public name resolves to one;
  // a socket given one talks IPv4 to the embedded address, so DNS could smuggle any IPv4 address in.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return false
  if (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) return false
  if (g.slice(0, 6).every((x) => x === 0)) return isPublicIPv4(embedded(g[6]!, g[7]!)) // deprecated ::a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isPublicIPv4(embedded(g[6]!, g[7]!)) // NAT64 (well-known)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return false // 64:ff9b:1::/48, NAT64 for local use (RFC 8215)
  if (g[0] === 0x2002) return isPublicIPv4(embedded(g[1]!, g[2]!)) // 6to4
  const first = g[0]!
  if ((first & 0xfe00) === 0xfc00) return false // fc00::/7 unique local (incl. fd00:ec2::254 metadata)
  if ((first & 0xffc0) === 0xfe80) return false // link-local
  if ((first & 0xffc0) === 0xfec0) return false // site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return false // multicast
  if (first === 0x2001 && g[1] === 0x0db8) return false // documentation
  if (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return false // discard-only
  if (first === 0x2001 && g[1]! < 0x0200) return false // 2001::/23 IETF protocol assignments (Teredo etc.)
  if (first === 0x3fff && g[1]! < 0x1000) return false // 3fff::/20 documentation (RFC 9637)
  if (first === 0x5f00) return false // 5f00::/16 SRv6 segment identifiers (RFC 9602)
  return true
}

/** True for a literal IPv4 or IPv6 address that is routable on the public internet. */
export function isPublicAddress(ip: string): boolean {
  if (V4.test(ip)) return isPublicIPv4(ip)
  if (ip.includes(':')) return isPublicIPv6(ip)
  return false
}
