import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import * as OTPAuth from 'otpauth'
import { hashPassword, randomToken, sha256Hex, verifyPassword } from '../../crypto/hash'
import type { Db } from '../../db'
import { mfaSecrets, recoveryCodes, refreshTokens, tokenFamilies, users } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import type { RequestContext } from '../../http/plugin'
import { conflict, Problem, unauthorized, unprocessable } from '../../http/problem'
import { tellEdgeSessionsEnded } from '../../infra/edge-purge'
import { lockAdminRoles, type Tx } from '../admin/admin-roles'
import type { Role } from './principal'

type UserRow = typeof users.$inferSelect
export const publicUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  plan: u.plan,
  mfaEnabled: u.mfaEnabled,
  createdAt: u.createdAt.toISOString(),
})

const SPECIAL = /[^A-Za-z0-9]/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const TOTP_PERIOD = 30
const RECOVERY_CODES = 10
// A fixed hash to verify against when the e-mail is unknown, so both paths cost one argon2 verify.
const DUMMY_HASH = await hashPassword('dummy-password-for-timing!')

export function checkPasswordPolicy(password: string, field = 'password') {
  const problems: string[] = []
  if (password.length < 12) problems.push('at least 12 characters')
  if (!SPECIAL.test(password)) problems.push('at least one special character (not a letter or digit)')
  if (problems.length)
    throw unprocessable(`The password needs ${problems.join(' and ')}`, [{ field, message: `needs ${problems.join(' and ')}` }])
}

export function createAuthService(deps: Deps) {
  const db = deps.database.db
  const { config, audit } = deps

  const totpFor = (secretB32: string, email: string) =>
    new OTPAuth.TOTP({
      issuer: 'ytempire',
      label: email,
      algorithm: 'SHA1',
      digits: 6,
      period: TOTP_PERIOD,
      secret: OTPAuth.Secret.fromBase32(secretB32),
    })

  async function issueTokens(user: UserRow, ctx: RequestContext, familyId?: string) {
    const refreshToken = randomToken(32)
    const expiresAt = new Date(Date.now() + config.refreshTtlS * 1000)
    let sid = familyId
    if (!sid) {
      const [family] = await db
        .insert(tokenFamilies)
        .values({ userId: user.id, expiresAt, ip: ctx.clientIp })
        .returning({ id: tokenFamilies.id })
      sid = family!.id
    } else {
      await db.update(tokenFamilies).set({ lastUsedAt: new Date(), expiresAt }).where(eq(tokenFamilies.id, sid))
    }
    await db.insert(refreshTokens).values({ familyId: sid, tokenHash: sha256Hex(refreshToken), expiresAt })
    await deps.sessions.open(sid)
    const accessToken = await deps.keys.signAccessToken({ sub: user.id, role: user.role, sid })
    return {
      tokenType: 'Bearer' as const,
      accessToken,
      expiresIn: config.jwt.accessTtlS,
      refreshToken,
      refreshExpiresIn: config.refreshTtlS,
      user: publicUser(user),
    }
  }

  async function revokeFamilies(userId: string, reason: string, only?: string) {
    const where = only
      ? and(eq(tokenFamilies.id, only), eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt))
      : and(eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt))
    const rows = await db
      .update(tokenFamilies)
      .set({ revokedAt: new Date(), revokedReason: reason })
      .where(where)
      .returning({ id: tokenFamilies.id })
    await deps.sessions.end(rows.map((r) => r.id))
    // Edge cache: the edge must stop answering these sessions (all of them: a role change, so all the user's answers).
    await tellEdgeSessionsEnded(deps, { user: userId, sessions: rows.map((r) => r.id), everything: !only })
    return rows.length
  }

  /** RFC 6238 with one step of skew either way; a step is accepted once (compare-and-set on last_used_step). */
  async function consumeTotp(userId: string, secretRow: typeof mfaSecrets.$inferSelect, email: string, code: string): Promise<boolean> {
    const secret = await deps.box.open(secretRow.secretEnc, `mfa:${userId}`)
    const delta = totpFor(secret, email).validate({ token: code, window: 1 })
    if (delta === null) return false
    const step = Math.floor(Date.now() / 1000 / TOTP_PERIOD) + delta
    const updated = await db
      .update(mfaSecrets)
      .set({ lastUsedStep: step })
      .where(and(eq(mfaSecrets.userId, userId), lt(mfaSecrets.lastUsedStep, step)))
      .returning({ userId: mfaSecrets.userId })
    return updated.length === 1
  }

  async function consumeRecoveryCode(userId: string, code: string): Promise<boolean> {
    const normalized = code
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
    const used = await db
      .update(recoveryCodes)
      .set({ usedAt: new Date() })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, sha256Hex(normalized)), isNull(recoveryCodes.usedAt)))
      .returning({ id: recoveryCodes.id })
    return used.length === 1
  }

  async function secondFactor(
    user: UserRow,
    input: { mfaCode?: string; recoveryCode?: string },
    ctx: RequestContext,
    event: 'login' | 'mfa.disable',
  ) {
    const [secretRow] = await db.select().from(mfaSecrets).where(eq(mfaSecrets.userId, user.id))
    if (!secretRow?.confirmedAt) return true
    if (input.mfaCode && (await consumeTotp(user.id, secretRow, user.email, input.mfaCode))) return true
    if (input.recoveryCode && (await consumeRecoveryCode(user.id, input.recoveryCode))) {
      await audit.record({ userId: user.id, type: 'mfa.recovery_code_used', request: ctx, data: { during: event } })
      return true
    }
    return false
  }

  /** Turns MFA off: the secret and the recovery codes go. */
  async function removeMfa(userId: string) {
    await db.transaction(async (tx) => {
      await tx.delete(mfaSecrets).where(eq(mfaSecrets.userId, userId))
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
      await tx.update(users).set({ mfaEnabled: false, updatedAt: new Date() }).where(eq(users.id, userId))
    })
    await invalidateUser(deps, userId)
  }

  return {
    issueTokens,
    revokeFamilies,
    removeMfa,

    /** The session (token family) a refresh token belongs to, without spending it. */
    async findSession(refreshToken: string): Promise<{ familyId: string; userId: string } | undefined> {
      const [row] = await db
        .select({ familyId: refreshTokens.familyId, userId: tokenFamilies.userId })
        .from(refreshTokens)
        .innerJoin(tokenFamilies, eq(tokenFamilies.id, refreshTokens.familyId))
        .where(eq(refreshTokens.tokenHash, sha256Hex(refreshToken)))
      return row
    },

    async register(input: { email: string; password: string }, ctx: RequestContext, userAgent?: string) {
      const email = input.email.trim().toLowerCase()
      if (!EMAIL.test(email))
        throw unprocessable('The e-mail address is not valid', [{ field: 'email', message: 'must be a valid e-mail address' }])
      checkPasswordPolicy(input.password)
      const passwordHash = await hashPassword(input.password)
      const insert = (tx: Db | Tx, role: Role) => tx.insert(users).values({ email, passwordHash, role }).onConflictDoNothing().returning()
      // The first account of a fresh installation administers it. Once anyone exists an admin exists
      // (the last one can neither leave nor step down), so only an empty installation takes the lock.
      const [someone] = await db.select({ id: users.id }).from(users).limit(1)
      const rows = someone
        ? await insert(db, 'member')
        : await db.transaction(async (tx) => {
            await lockAdminRoles(tx)
            const [first] = await tx.select({ id: users.id }).from(users).limit(1)
            return insert(tx, first ? 'member' : 'admin')
          })
      const user = rows[0]
      if (!user) throw conflict('An account with this e-mail already exists')
      await audit.record({ userId: user.id, type: 'user.registered', request: ctx, userAgent })
      return publicUser(user)
    },

    async login(
      input: { email: string; password: string; mfaCode?: string; recoveryCode?: string },
      ctx: RequestContext,
      userAgent?: string,
    ) {
      const email = input.email.trim().toLowerCase()
      const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${email}`)
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH)
      if (!user || !ok) {
        await audit.record({ userId: user?.id ?? null, type: 'login.failed', request: ctx, userAgent, data: { email } })
        throw unauthorized('E-mail or password is wrong', 'invalid-credentials')
      }
      if (user.mfaEnabled) {
        if (!input.mfaCode && !input.recoveryCode)
          throw unauthorized('This account uses two-factor authentication: send mfaCode (or recoveryCode)', 'mfa-required')
        if (!(await secondFactor(user, input, ctx, 'login'))) {
          await audit.record({ userId: user.id, type: 'login.mfa_failed', request: ctx, userAgent })
          throw unauthorized('The two-factor code is wrong or was already used', 'mfa-invalid')
        }
      }
      const tokens = await issueTokens(user, ctx)
      await audit.record({
        userId: user.id,
        type: 'login.succeeded',
        request: ctx,
        userAgent,
        data: { sessionId: jwtSid(tokens.accessToken) },
      })
      return tokens
    },

    /**
     * Rotates the refresh token; presenting a spent one revokes its whole family (RFC 9700 4.14.2).
     * `charge` counts the attempt against the family's rate limit (undefined: the token matched none).
     */
    async refresh(refreshToken: string, ctx: RequestContext, charge: (familyId: string | undefined) => Promise<void>) {
      const hash = sha256Hex(refreshToken)
      const [row] = await db
        .select({ token: refreshTokens, family: tokenFamilies, user: users })
        .from(refreshTokens)
        .innerJoin(tokenFamilies, eq(tokenFamilies.id, refreshTokens.familyId))
        .innerJoin(users, eq(users.id, tokenFamilies.userId))
        .where(eq(refreshTokens.tokenHash, hash))
      await charge(row?.family.id)
      if (!row) throw unauthorized('Unknown refresh token', 'invalid-refresh-token')
      const { token, family, user } = row
      if (family.revokedAt) throw unauthorized('This session was ended', 'session-ended')
      const spent = await db
        .update(refreshTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(refreshTokens.id, token.id), isNull(refreshTokens.usedAt)))
        .returning({ id: refreshTokens.id })
      if (spent.length === 0) {
        await revokeFamilies(user.id, 'refresh-token-reuse', family.id)
        await audit.record({ userId: user.id, type: 'refresh.reuse_detected', request: ctx, data: { sessionId: family.id } })
        throw unauthorized('This refresh token was already used; the session has been revoked', 'refresh-token-reused')
      }
      if (token.expiresAt.getTime() < Date.now()) throw unauthorized('The refresh token has expired', 'invalid-refresh-token')
      if (!(await deps.sessions.touch(family.id))) {
        await revokeFamilies(user.id, 'idle', family.id)
        throw unauthorized('The session was idle for over an hour; sign in again', 'session-ended')
      }
      return issueTokens(user, ctx, family.id)
    },

    async logout(input: { refreshToken?: string; sessionId?: string; userId?: string }, ctx: RequestContext) {
      let familyId = input.sessionId
      let userId = input.userId
      if (input.refreshToken) {
        const [row] = await db
          .select({ familyId: refreshTokens.familyId, userId: tokenFamilies.userId })
          .from(refreshTokens)
          .innerJoin(tokenFamilies, eq(tokenFamilies.id, refreshTokens.familyId))
          .where(eq(refreshTokens.tokenHash, sha256Hex(input.refreshToken)))
        if (row) {
          familyId = row.familyId
          userId = row.userId
        }
      }
      if (!familyId || !userId) throw unauthorized('Send the refresh token or an access token of the session to end')
      await revokeFamilies(userId, 'logout', familyId)
      await audit.record({ userId, type: 'logout', request: ctx, data: { sessionId: familyId } })
    },

    async enrollMfa(userId: string, ctx: RequestContext) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user) throw unauthorized()
      if (user.mfaEnabled) throw conflict('Two-factor authentication is already on; disable it first to enroll a new device')
      const secret = new OTPAuth.Secret({ size: 20 }).base32
      const secretEnc = await deps.box.seal(secret, `mfa:${userId}`)
      await db
        .insert(mfaSecrets)
        .values({ userId, secretEnc })
        .onConflictDoUpdate({ target: mfaSecrets.userId, set: { secretEnc, confirmedAt: null, lastUsedStep: 0 } })
      await audit.record({ userId, type: 'mfa.enroll_started', request: ctx })
      return { secret, otpauthUri: totpFor(secret, user.email).toString() }
    },

    async confirmMfa(userId: string, code: string, ctx: RequestContext) {
      const [row] = await db
        .select({ secret: mfaSecrets, user: users })
        .from(mfaSecrets)
        .innerJoin(users, eq(users.id, mfaSecrets.userId))
        .where(eq(mfaSecrets.userId, userId))
      if (!row) throw new Problem(409, 'Conflict', 'Start enrollment first (POST /v1/auth/mfa/enroll)')
      if (row.secret.confirmedAt) throw conflict('Two-factor authentication is already on')
      if (!(await consumeTotp(userId, row.secret, row.user.email, code)))
        throw unprocessable('The code is wrong or was already used', [{ field: 'code', message: 'wrong or already used' }])
      const codes = Array.from({ length: RECOVERY_CODES }, () => recoveryCode())
      await db.transaction(async (tx) => {
        await tx.update(mfaSecrets).set({ confirmedAt: new Date() }).where(eq(mfaSecrets.userId, userId))
        await tx.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, userId))
        await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
        await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: sha256Hex(c.replace(/-/g, '')) })))
      })
      await invalidateUser(deps, userId)
      await audit.record({ userId, type: 'mfa.enabled', request: ctx })
      return { recoveryCodes: codes }
    },

    async disableMfa(userId: string, input: { code?: string; recoveryCode?: string }, ctx: RequestContext) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user) throw unauthorized()
      if (!user.mfaEnabled) throw conflict('Two-factor authentication is not on')
      if (!(await secondFactor(user, { mfaCode: input.code, recoveryCode: input.recoveryCode }, ctx, 'mfa.disable'))) {
        throw unprocessable('A current TOTP code or an unused recovery code is required', [
          { field: input.code ? 'code' : 'recoveryCode', message: 'wrong or already used' },
        ])
      }
      await removeMfa(userId)
      await audit.record({ userId, type: 'mfa.disabled', request: ctx })
    },

    async changePassword(
      userId: string,
      input: { currentPassword: string; newPassword: string },
      ctx: RequestContext,
      keepSession?: string,
    ) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
        throw unprocessable('The current password is wrong', [{ field: 'currentPassword', message: 'wrong password' }])
      }
      checkPasswordPolicy(input.newPassword, 'newPassword')
      await db
        .update(users)
        .set({ passwordHash: await hashPassword(input.newPassword), updatedAt: new Date() })
        .where(eq(users.id, userId))
      // Every other session ends: whoever knew the old password is signed out.
      const families = await db
        .select({ id: tokenFamilies.id })
        .from(tokenFamilies)
        .where(and(eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)))
      for (const f of families) if (f.id !== keepSession) await revokeFamilies(userId, 'password-changed', f.id)
      await audit.record({ userId, type: 'password.changed', request: ctx })
    },
  }
}
export type AuthService = ReturnType<typeof createAuthService>

function recoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('')
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`
}

function jwtSid(token: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid
  } catch {
    return undefined
  }
}
