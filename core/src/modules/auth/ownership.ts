// Object-level authorisation (OWASP API1, BOLA): a resource is found only through its owner, so
// another user's id answers exactly like a missing one.
import { and, eq } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Db } from '../../db'
import { notFound } from '../../http/problem'

type OwnedTable = PgTable & { id: PgColumn; userId: PgColumn }

/** The row `id` of `table` when `userId` owns it; otherwise a 404 naming `what`. */
export async function findOwned<T extends OwnedTable>(
  db: Db,
  table: T,
  id: string,
  userId: string,
  what: string,
): Promise<T['$inferSelect']> {
  const [row] = await db
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), eq(table.userId, userId)))
  if (!row) throw notFound(what)
  return row as T['$inferSelect']
}
