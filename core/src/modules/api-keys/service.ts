import { and, desc, eq, isNull } from 'drizzle-orm'
import { randomToken, sha256Hex, timingSafeEqualHex } from '../../crypto/hash'
import { apiKeys, users } from '../../db/schema'
import type { Deps } from '../../deps'
import { forbidden, notFound, unauthorized } from '../../http/problem'
import type { Principal, Role, Scope } from '../auth/principal'
import { roleAllowsScope } from '../auth/principal'
import type { ApiKeyView, CreateApiKey } from './model'

const PREFIX = 'ytk_'
const LOOKUP_TTL_MS = 30_000
const LAST_USED_RESOLUTION_MS = 60_000
const REVOKED_CHANNEL = 'api-key-revoked'

interface Lookup {
  id: string
  userId: string
  role: Role
  secretHash: string
  scopes: Scope[]
  expiresAt: Date | null
  revoked: boolean
  lastUsedAt: number
  loadedAt: number
}

export function createApiKeyService(deps: Deps) {
  const db = deps.database.db
  // Looked-up keys are kept briefly in memory; a revocation is broadcast so every instance forgets at once.
  const lookups = new Map<string, Lookup>()
  void deps.bus.subscribe(REVOKED_CHANNEL, (m) => {
    lookups.delete(String((m as { publicId?: string }).publicId))
  })

  const view = (r: typeof apiKeys.$inferSelect): ApiKeyView => ({
    id: r.id,
    name: r.name,
    prefix: `${PREFIX}${r.publicId}`,
    scopes: r.scopes,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  })

  return {
    async create(owner: Principal, input: CreateApiKey) {
      for (const s of input.scopes)
        if (!roleAllowsScope(owner.role, s)) throw forbidden(`Your role (${owner.role}) cannot grant the "${s}" scope`)
      // A key can never carry more than the credential that creates it.
      if (owner.via === 'api_key')
        for (const s of input.scopes) if (!owner.scopes.includes(s)) throw forbidden(`This API key cannot grant the "${s}" scope`)
      const publicId = Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')
      const secret = randomToken(32)
      const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null
      const [row] = await db
        .insert(apiKeys)
        .values({
          userId: owner.userId,
          name: input.name,
          publicId,
          secretHash: sha256Hex(secret),
          scopes: [...new Set(input.scopes)],
          expiresAt,
        })
        .returning()
      return { ...view(row!), key: `${PREFIX}${publicId}_${secret}` }
    },
    async list(userId: string) {
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt))
      return rows.map(view)
    },
    async revoke(userId: string, id: string) {
      const [row] = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
        .returning()
      if (!row) {
        // Another user's key and a missing key answer the same.
        const [own] = await db
          .select({ id: apiKeys.id })
          .from(apiKeys)
          .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
        if (!own) throw notFound('API key')
        return
      }
      lookups.delete(row.publicId)
      await deps.bus.publish(REVOKED_CHANNEL, { publicId: row.publicId })
      return view(row)
    },
    async authenticate(token: string): Promise<Principal> {
      const publicId = token.slice(PREFIX.length, PREFIX.length + 16)
      const secret = token.slice(PREFIX.length + 17)
      if (!/^[0-9a-f]{16}$/.test(publicId) || token[PREFIX.length + 16] !== '_' || !secret)
        throw unauthorized('Malformed API key', 'invalid-api-key')
      let found = lookups.get(publicId)
      if (!found || Date.now() - found.loadedAt > LOOKUP_TTL_MS) {
        const [row] = await db
          .select({ key: apiKeys, role: users.role })
          .from(apiKeys)
          .innerJoin(users, eq(users.id, apiKeys.userId))
          .where(eq(apiKeys.publicId, publicId))
        if (!row) throw unauthorized('Unknown API key', 'invalid-api-key')
        found = {
          id: row.key.id,
          userId: row.key.userId,
          role: row.role,
          secretHash: row.key.secretHash,
          scopes: row.key.scopes as Scope[],
          expiresAt: row.key.expiresAt,
          revoked: !!row.key.revokedAt,
          lastUsedAt: row.key.lastUsedAt?.getTime() ?? 0,
          loadedAt: Date.now(),
        }
        lookups.set(publicId, found)
      }
      if (!timingSafeEqualHex(sha256Hex(secret), found.secretHash)) throw unauthorized('Unknown API key', 'invalid-api-key')
      if (found.revoked) throw unauthorized('This API key was revoked', 'invalid-api-key')
      if (found.expiresAt && found.expiresAt.getTime() < Date.now()) throw unauthorized('This API key has expired', 'invalid-api-key')
      if (Date.now() - found.lastUsedAt > LAST_USED_RESOLUTION_MS) {
        found.lastUsedAt = Date.now()
        db.update(apiKeys)
          .set({ lastUsedAt: new Date() })
          .where(eq(apiKeys.id, found.id))
          .catch((err) => deps.log.warn({ err }, 'could not record API key use'))
      }
      return { userId: found.userId, role: found.role, scopes: found.scopes, apiKeyId: found.id, via: 'api_key' }
    },
    /** Drops a user's keys from every instance's memory (role change, account deletion). */
    async forgetUser(userId: string) {
      for (const [publicId, l] of lookups) {
        if (l.userId !== userId) continue
        lookups.delete(publicId)
        await deps.bus.publish(REVOKED_CHANNEL, { publicId })
      }
    },
  }
}
export type ApiKeyService = ReturnType<typeof createApiKeyService>
