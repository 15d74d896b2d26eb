import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'

/**
 * Cross-instance events on Redis pub/sub: every core instance hears every message at once
 * (cache invalidation, signing-key rotation).
 */
export interface EventBus {
  publish(channel: string, message: unknown): Promise<void>
  subscribe(channel: string, handler: (message: unknown) => void): Promise<void>
  /** Runs fn whenever the subscriber is back after losing Redis (a restart, a failover): what was published meanwhile is lost. */
  onReconnect(fn: () => void): void
  close(): Promise<void>
}

export function createEventBus(publisher: RedisConnection, prefix: string): EventBus {
  const subscriber = duplicateRedis(publisher, 'core-sub', { enableAutoPipelining: false })
  const handlers = new Map<string, ((m: unknown) => void)[]>()
  const reconnected: (() => void)[] = []
  let readyBefore = false
  subscriber.on('ready', () => {
    if (readyBefore) for (const fn of reconnected) fn()
    readyBefore = true
  })
  subscriber.on('message', (channel: string, raw: string) => {
    let message: unknown
    try {
      message = JSON.parse(raw)
    } catch {
      return
    }
    for (const h of handlers.get(channel) ?? []) h(message)
  })
  return {
    async publish(channel, message) {
      await publisher.publish(prefix + channel, JSON.stringify(message))
    },
    async subscribe(channel, handler) {
      const full = prefix + channel
      const list = handlers.get(full)
      if (list) {
        list.push(handler)
        return
      }
      handlers.set(full, [handler])
      await subscriber.subscribe(full)
    },
    onReconnect(fn) {
      reconnected.push(fn)
    },
    async close() {
      subscriber.disconnect()
    },
  }
}
