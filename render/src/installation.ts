// QUEUE_PREFIX unset: the workers take the installation's queue namespace from the artifact store,
// where the core writes the installation's id at its first start (@ytempire/contract installation.ts).
import { INSTALLATION_KEY, installationQueuePrefix } from '@ytempire/contract'
import { keyPrefixFor } from '@ytempire/contract/redis'
import type { Storage } from '@ytempire/storage'
import type { Logger } from 'pino'
import type { RenderConfig } from './config'

/** How often a worker started before the core looks for the installation's id again. */
const WAIT_POLL_MS = 2000

/** The config with its queue prefix settled: as given, or the installation's (waiting for the core to name it). */
export async function withInstallationPrefix(
  config: RenderConfig,
  storage: Storage,
  log: Logger,
  signal?: AbortSignal,
): Promise<RenderConfig> {
  if (!config.queuePrefixFromInstallation) return config
  let waiting = false
  for (;;) {
    signal?.throwIfAborted()
    if (await storage.stat(INSTALLATION_KEY)) {
      const { id } = JSON.parse(new TextDecoder().decode(await storage.get(INSTALLATION_KEY))) as { id: string }
      return { ...config, queuePrefix: keyPrefixFor(config.redis, installationQueuePrefix(id)) }
    }
    if (!waiting) log.warn({ key: INSTALLATION_KEY }, 'QUEUE_PREFIX is unset and the core has not named this installation yet: waiting')
    waiting = true
    await Bun.sleep(WAIT_POLL_MS)
  }
}
