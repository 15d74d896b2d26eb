// Secrets at rest (TOTP secrets, OAuth tokens, signing keys): AES-256-GCM with a key id so keys can rotate.
// Format: v1.<kid>.<iv base64url>.<ciphertext+tag base64url>

export interface SecretBox {
  seal(plaintext: string, context: string): Promise<string>
  open(sealed: string, context: string): Promise<string>
  /** True when the value was sealed under a key other than the current one. */
  needsRotation(sealed: string): boolean
}

export function createSecretBox(keys: { kid: string; key: Uint8Array }[]): SecretBox {
  if (keys.length === 0) throw new Error('at least one secret key is required')
  const imported = new Map<string, Promise<CryptoKey>>()
  const keyFor = (kid: string) => {
    let k = imported.get(kid)
    if (!k) {
      const raw = keys.find((x) => x.kid === kid)
      if (!raw) throw new Error(`no secret key with id "${kid}" is configured`)
      k = crypto.subtle.importKey('raw', raw.key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt'])
      imported.set(kid, k)
    }
    return k
  }
  const current = keys[0]!.kid
  const enc = new TextEncoder()
  return {
    async seal(plaintext, context) {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      // The context (e.g. "mfa:<userId>") is bound as additional data: a ciphertext moved to another row fails.
      const ct = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: enc.encode(context) },
        await keyFor(current),
        enc.encode(plaintext),
      )
      return `v1.${current}.${b64u(iv)}.${b64u(new Uint8Array(ct))}`
    },
    async open(sealed, context) {
      const [v, kid, iv, ct] = sealed.split('.')
      if (v !== 'v1' || !kid || !iv || !ct) throw new Error('malformed sealed secret')
      const pt = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: unb64u(iv), additionalData: enc.encode(context) },
        await keyFor(kid),
        unb64u(ct),
      )
      return new TextDecoder().decode(pt)
    },
    needsRotation: (sealed) => sealed.split('.')[1] !== current,
  }
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url')
const unb64u = (s: string) => Uint8Array.from(Buffer.from(s, 'base64url'))
