import type { Role } from '@ytempire/contract'
import { asc, desc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose'
import { ADVISORY_LOCKS, type Db } from '../db'
import { signingKeys } from '../db/schema'
import type { EventBus } from '../infra/bus'
import type { SecretBox } from './secret-box'
import { SigningKeyLimitError } from './signing-key-limit-error'

export interface AccessClaims extends JWTPayload {
  sub: string
  role: Role
  sid: string
}

export interface KeyStore {
  init(): Promise<void>
  signAccessToken(claims: { sub: string; role: string; sid: string }): Promise<string>
  /** Verifies signature (RS256 only), issuer, audience and expiry; throws on anything else. */
  verifyAccessToken(token: string): Promise<AccessClaims>
  jwks(): { keys: JWK[] }
  /** Throws SigningKeyLimitError when the JWKS already publishes MAX_PUBLISHED_SIGNING_KEYS. */
  rotate(): Promise<string>
  /** Rotates when the active key is older than the rotation period; also drops expired keys from the JWKS. */
  rotateIfDue(): Promise<boolean>
  /** Re-seals private keys that were sealed under an older secret key. */
  reseal(): Promise<number>
}

interface LoadedKey {
  kid: string
  publicJwk: JWK
  verifyKey: CryptoKey
  privateKey?: CryptoKey
  createdAt: Date
  retiredAt: Date | null
}

const CHANNEL = 'signing-keys-changed'
const CLOCK_SKEW_S = 60
/** The most keys the JWKS publishes at once (the active one and those retired within a token's lifetime). */
export const MAX_PUBLISHED_SIGNING_KEYS = 5

export function createKeyStore(deps: {
  db: Db
  box: SecretBox
  bus: EventBus
  issuer: string
  audience: string
  accessTtlS: number
  rotationDays: number
}): KeyStore {
  let keys: LoadedKey[] = []
  let active: LoadedKey | undefined
  let lastReload = 0
  // Verified tokens are immutable until they expire; remembering them skips an RSA verify per request.
  const verified = new Map<string, AccessClaims>()

  const context = (kid: string) => `signing-key:${kid}`
  // A retired key stays published until every token it signed has expired.
  const publishedForS = deps.accessTtlS + CLOCK_SKEW_S

  async function load() {
    const rows = await deps.db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt))
    const horizon = Date.now() - publishedForS * 1000
    const next: LoadedKey[] = []
    for (const row of rows) {
      // A retired key stays published until every token it signed has expired.
      if (row.retiredAt && row.retiredAt.getTime() < horizon) continue
      const verifyKey = (await importJWK(row.publicJwk as JWK, 'RS256')) as CryptoKey
      const k: LoadedKey = { kid: row.kid, publicJwk: row.publicJwk as JWK, verifyKey, createdAt: row.createdAt, retiredAt: row.retiredAt }
      if (!row.retiredAt && active?.kid === row.kid) k.privateKey = active.privateKey
      next.push(k)
    }
    const current = rows.find((r) => !r.retiredAt)
    let nextActive: LoadedKey | undefined
    if (current) {
      nextActive = next.find((k) => k.kid === current.kid)
      if (nextActive && !nextActive.privateKey) {
        const jwk = JSON.parse(await deps.box.open(current.privateJwkEnc, context(current.kid))) as JWK
        nextActive.privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey
      }
    }
    keys = next
    active = nextActive
    lastReload = Date.now()
  }

  /** Creates the active key; `bounded`: refuse when the JWKS already publishes MAX_PUBLISHED_SIGNING_KEYS. */
  async function createKey(bounded: boolean): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true })
    const kid = `k${Date.now().toString(36)}${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
    const privateJwk = await exportJWK(privateKey)
    await deps.db.transaction(async (tx) => {
      if (bounded) {
        // Counted under a lock, so rotations on two instances at once cannot both pass the bound.
        await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.signingKeys})`)
        const horizon = new Date(Date.now() - publishedForS * 1000)
        const published = await tx
          .select({ retiredAt: signingKeys.retiredAt })
          .from(signingKeys)
          .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, horizon)))
          .orderBy(asc(signingKeys.retiredAt))
        if (published.length >= MAX_PUBLISHED_SIGNING_KEYS) {
          const leaves = (published[0]!.retiredAt?.getTime() ?? Date.now()) + publishedForS * 1000
          throw new SigningKeyLimitError(published.length, Math.max(1, Math.ceil((leaves - Date.now()) / 1000)))
        }
      }
      await tx.update(signingKeys).set({ retiredAt: new Date() }).where(isNull(signingKeys.retiredAt))
      await tx.insert(signingKeys).values({ kid, publicJwk, privateJwkEnc: await deps.box.seal(JSON.stringify(privateJwk), context(kid)) })
    })
    return kid
  }

  async function rotate(bounded: boolean) {
    const kid = await createKey(bounded)
    await load()
    await deps.bus.publish(CHANNEL, { kid })
    return kid
  }

  const store: KeyStore = {
    async init() {
      await load()
      const tooOld = active && Date.now() - active.createdAt.getTime() > deps.rotationDays * 86400_000
      if (!active || tooOld) {
        await createKey(false)
        await load()
      }
      await deps.bus.subscribe(CHANNEL, () => {
        void load()
      })
    },
    async signAccessToken({ sub, role, sid }) {
      if (!active?.privateKey) throw new Error('no active signing key')
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({ role, sid })
        .setProtectedHeader({ alg: 'RS256', kid: active.kid, typ: 'JWT' })
        .setIssuer(deps.issuer)
        .setAudience(deps.audience)
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + deps.accessTtlS)
        .setJti(crypto.randomUUID())
        .sign(active.privateKey)
    },
    async verifyAccessToken(token) {
      const cached = verified.get(token)
      if (cached && (cached.exp ?? 0) > Date.now() / 1000) return cached
      const { payload } = await jwtVerify<AccessClaims>(
        token,
        async (header) => {
          if (header.alg !== 'RS256') throw new Error('unexpected algorithm')
          let key = keys.find((k) => k.kid === header.kid)
          // An unknown kid may come from a key another instance just created.
          if (!key && Date.now() - lastReload > 5_000) {
            await load()
            key = keys.find((k) => k.kid === header.kid)
          }
          if (!key) throw new Error('unknown key id')
          return key.verifyKey
        },
        { algorithms: ['RS256'], issuer: deps.issuer, audience: deps.audience, requiredClaims: ['sub', 'exp', 'iat', 'sid'] },
      )
      if (verified.size > 50_000) verified.clear()
      verified.set(token, payload)
      return payload
    },
    jwks: () => ({ keys: keys.map((k) => k.publicJwk) }),
    async rotateIfDue() {
      await load()
      if (active && Date.now() - active.createdAt.getTime() <= deps.rotationDays * 86400_000) return false
      // Unbounded: the schedule rotates once a period, and its caller already holds the signing-key lock.
      await rotate(false)
      return true
    },
    rotate: () => rotate(true),
    async reseal() {
      const rows = await deps.db.select().from(signingKeys)
      let n = 0
      for (const row of rows) {
        if (!deps.box.needsRotation(row.privateJwkEnc)) continue
        const plain = await deps.box.open(row.privateJwkEnc, context(row.kid))
        await deps.db
          .update(signingKeys)
          .set({ privateJwkEnc: await deps.box.seal(plain, context(row.kid)) })
          .where(eq(signingKeys.kid, row.kid))
        n++
      }
      return n
    },
  }
  return store
}
