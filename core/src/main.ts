// `bun run core`: the API server.
import { loadConfig } from './config'
import { startCore } from './server'

const config = loadConfig()
const core = await startCore(config, { manageRedis: config.env !== 'production' })
console.log(`ytempire core on ${core.url}  (web app: ${core.url}/, docs: ${core.url}/swagger)`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    core.deps.log.info({ signal }, 'shutting down: draining in-flight requests')
    const timer = setTimeout(() => process.exit(1), 15_000)
    await core.stop()
    clearTimeout(timer)
    process.exit(0)
  })
}
