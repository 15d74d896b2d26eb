// The installation's id: made at the first start, kept in the database, and written to the artifact
// store where the render workers read it (they have no database). See @ytempire/contract installation.ts.
import { INSTALLATION_KEY } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import type { Db } from '../db'
import { installation } from '../db/schema'
import type { Logger } from './logger'

async function storedId(storage: Storage): Promise<string | undefined> {
  if (!(await storage.stat(INSTALLATION_KEY))) return undefined
  const { id } = JSON.parse(new TextDecoder().decode(await storage.get(INSTALLATION_KEY))) as { id?: unknown }
  return typeof id === 'string' ? id : undefined
}

/**
 * The id of this installation. A new database beside a store that already names one takes that one
 * (the workers already use its namespace); the database's id wins over a store that says otherwise.
 * Callers hold the installation advisory lock, so replicas starting together agree.
 */
export async function ensureInstallation(db: Db, storage: Storage, log: Logger): Promise<string> {
  const [row] = await db.select().from(installation).limit(1)
  let id = row?.id
  if (!id) {
    id = (await storedId(storage)) ?? crypto.randomUUID()
    await db.insert(installation).values({ id }).onConflictDoNothing()
  }
  const stored = await storedId(storage)
  if (stored !== id) {
    if (stored) log.warn({ database: id, store: stored }, 'the artifact store named another installation; it now names this one')
    await storage.put(INSTALLATION_KEY, JSON.stringify({ id }), 'application/json')
  }
  return id
}
