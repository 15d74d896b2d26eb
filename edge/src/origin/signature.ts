/** The fields the edge vouches for to the core (docs/contracts.md, "Edge -> core trust"). */
export interface EdgeClaims {
  timestamp: number
  method: string
  pathWithQuery: string
  clientIp: string
  userId: string
  requestId: string
}

const encoder = new TextEncoder()

export function importSigningKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

export function signingInput(claims: EdgeClaims): string {
  return [claims.timestamp, claims.method, claims.pathWithQuery, claims.clientIp, claims.userId, claims.requestId].join('\n')
}

/** Lowercase hex HMAC-SHA256 over the contract's newline-joined fields. */
export async function signEdgeClaims(key: CryptoKey, claims: EdgeClaims): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(signingInput(claims))))
  let hex = ''
  for (const byte of mac) hex += byte.toString(16).padStart(2, '0')
  return hex
}
