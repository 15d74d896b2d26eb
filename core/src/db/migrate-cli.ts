// `bun run db:migrate`: applies the committed migrations in drizzle/ to DATABASE_URL (or the embedded database).
import { loadConfig } from '../config'
import { migrateDatabase, openDatabase } from './index'

const config = loadConfig()
const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolMax: 1 })
await migrateDatabase(database)
console.log(`migrations applied (${database.kind})`)
await database.close()
