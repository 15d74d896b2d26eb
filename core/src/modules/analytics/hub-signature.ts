// WebSub 7.4: the hub signs each delivery with the subscription's hub.secret, `X-Hub-Signature:
// sha1=<hex HMAC-SHA1 of the raw body>` (YouTube's hub uses sha1). Compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto'

const ALGORITHMS = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const

export function verifyHubSignature(secret: string, body: Uint8Array, header: string | null): boolean {
  const m = /^(sha1|sha256|sha384|sha512)=([0-9a-f]+)$/i.exec(header?.trim() ?? '')
  if (!m) return false
  const algorithm = m[1]!.toLowerCase() as keyof typeof ALGORITHMS
  const given = Buffer.from(m[2]!, 'hex')
  if (given.length !== ALGORITHMS[algorithm]) return false
  const expected = createHmac(algorithm, secret).update(body).digest()
  return timingSafeEqual(expected, given)
}
