// An installation always has an administrator. Whatever changes who is admin (the first registration,
// a role change, an account deletion) runs in a transaction holding one advisory lock, so two such
// changes at once cannot both see "another admin remains" and both go ahead.
import { and, eq, ne, sql } from 'drizzle-orm'
import { ADVISORY_LOCKS, type Db } from '../../db'
import { users } from '../../db/schema'
import { conflict } from '../../http/problem'

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/** Takes the lock until `tx` ends. */
export async function lockAdminRoles(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.adminRoles})`)
}

/** Under the lock: a 409 when `userId` is the only admin; `change` says what would remove them. */
export async function assertAnotherAdmin(tx: Tx, userId: string, change: string): Promise<void> {
  const [other] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), ne(users.id, userId)))
    .limit(1)
  if (!other) throw conflict(`This is the last administrator; promote someone else before ${change}`)
}
