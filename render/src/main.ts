// `bun run render`: all stage workers in one process, metrics over HTTP, graceful SIGTERM.
import { startTracing } from '@ytempire/contract/tracing'
import { createStorage } from '@ytempire/storage'
import { loadConfig } from './config'
import { chooseEncoder } from './ffmpeg/encoder'
import { withInstallationPrefix } from './installation'
import { createLogger } from './logger'
import { registry } from './metrics'
import { startPipeline } from './pipeline/workers'

const configured = loadConfig()
const log = createLogger(configured.logLevel)
const tracing = await startTracing(configured.tracing)
const config = await withInstallationPrefix(configured, createStorage(configured.storage), log)
await chooseEncoder(config.video.encoder, log)
const pipeline = await startPipeline(config, log)
log.info(
  { prefix: config.queuePrefix, renderConcurrency: config.renderConcurrency, storage: config.storage.kind, tracing: tracing.enabled },
  'render workers started',
)

const metrics = config.metricsPort
  ? Bun.serve({
      port: config.metricsPort,
      async fetch(req) {
        if (new URL(req.url).pathname !== '/metrics') return new Response('not found', { status: 404 })
        return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } })
      },
    })
  : null

let stopping = false
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: finishing running jobs')
  await pipeline.close()
  await tracing.shutdown().catch((err) => log.warn({ err }, 'could not export the last spans'))
  metrics?.stop(true)
  log.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
