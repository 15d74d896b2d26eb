// How the core and the render workers reach Redis: one server (REDIS_URL), a primary watched by
// Sentinel (REDIS_SENTINELS), or a Redis Cluster (REDIS_CLUSTER_NODES). Each process reads the
// environment once (its config.ts calls redisTargetFromEnv) and opens every connection through
// connectRedis, so the whole process follows a failover the same way.
import { Cluster, Redis, type RedisOptions } from 'ioredis'

export interface HostPort {
  host: string
  port: number
}

export type RedisTarget =
  /** url undefined: the process picks its own default (the core may start a private server in development). */
  | { mode: 'standalone'; url?: string }
  | { mode: 'sentinel'; sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string; tls: boolean }
  | { mode: 'cluster'; nodes: HostPort[]; password?: string; tls: boolean }

export type RedisConnection = Redis | Cluster

type Env = Record<string, string | undefined>

/**
 * REDIS_SENTINELS="host:port,..." (+ REDIS_SENTINEL_NAME, default "ytempire") or
 * REDIS_CLUSTER_NODES="host:port,..." or REDIS_URL; REDIS_PASSWORD / REDIS_SENTINEL_PASSWORD /
 * REDIS_TLS=true for the first two (a URL carries its own).
 */
export function redisTargetFromEnv(env: Env): RedisTarget {
  const sentinels = env.REDIS_SENTINELS?.trim()
  const clusterNodes = env.REDIS_CLUSTER_NODES?.trim()
  if (sentinels && clusterNodes) throw new Error('Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both')
  const password = env.REDIS_PASSWORD || undefined
  const tls = env.REDIS_TLS === 'true'
  if (sentinels)
    return {
      mode: 'sentinel',
      sentinels: parseHostPorts('REDIS_SENTINELS', sentinels, 26379),
      name: env.REDIS_SENTINEL_NAME || 'ytempire',
      password,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
      tls,
    }
  if (clusterNodes) return { mode: 'cluster', nodes: parseHostPorts('REDIS_CLUSTER_NODES', clusterNodes, 6379), password, tls }
  return { mode: 'standalone', url: env.REDIS_URL || undefined }
}

function parseHostPorts(name: string, raw: string, defaultPort: number): HostPort[] {
  return raw.split(',').map((part) => {
    const m = part.trim().match(/^\[?([^\]\s]+?)\]?(?::(\d{1,5}))?$/)
    const port = m?.[2] ? Number(m[2]) : defaultPort
    if (!m || port < 1 || port > 65535) throw new Error(`${name} must be "host:port[,host:port...]", got "${part.trim()}"`)
    return { host: m[1]!, port }
  })
}

/**
 * Opens one connection. `options` are per-role ioredis options (BullMQ workers need
 * maxRetriesPerRequest: null; the API wants commands to fail fast). A Sentinel connection asks the
 * sentinels for the current primary, and again after every disconnect, so it follows a failover.
 */
export function connectRedis(target: RedisTarget, name: string, options: RedisOptions = {}): RedisConnection {
  return reportErrors(open(target, `ytempire-${name}`, options), name)
}

function open(target: RedisTarget, connectionName: string, options: RedisOptions): RedisConnection {
  switch (target.mode) {
    case 'standalone':
      if (!target.url) throw new Error('REDIS_URL is not set')
      return new Redis(target.url, { connectionName, ...options })
    case 'sentinel':
      return new Redis({
        sentinels: target.sentinels,
        name: target.name,
        role: 'master',
        password: target.password,
        sentinelPassword: target.sentinelPassword,
        ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
        connectionName,
        ...options,
      })
    case 'cluster':
      return new Cluster(target.nodes, {
        enableOfflineQueue: options.enableOfflineQueue ?? true,
        enableAutoPipelining: options.enableAutoPipelining ?? false,
        redisOptions: { password: target.password, ...(target.tls ? { tls: {} } : {}), connectionName, ...options },
      })
  }
}

/** A second connection to the same place with other per-role options (a subscriber, a BullMQ connection). */
export function duplicateRedis(connection: RedisConnection, name: string, options: RedisOptions = {}): RedisConnection {
  const connectionName = `ytempire-${name}`
  if (connection instanceof Cluster)
    return reportErrors(
      connection.duplicate(undefined, { redisOptions: { ...connection.options.redisOptions, connectionName, ...options } }),
      name,
    )
  return reportErrors(connection.duplicate({ connectionName, ...options }), name)
}

/**
 * ioredis retries on its own (a failover, a restart) and emits an error per failed attempt; with no
 * listener it prints each with a stack trace. One line per connection every 10 s says enough.
 */
function reportErrors(connection: RedisConnection, name: string): RedisConnection {
  let last = 0
  connection.on('error', (err: Error) => {
    if (Date.now() - last < 10_000) return
    last = Date.now()
    console.warn(`redis ${name}: ${err.message} (retrying)`)
  })
  return connection
}

/**
 * In a Redis Cluster every key of a multi-key command or script must hash to one slot. BullMQ's
 * guidance is a hash-tagged prefix ("{ytempire}"); flows span queues, so the whole prefix is the tag.
 * The core's own keys (rate limits next to sessions in one script) get the same treatment. Elsewhere
 * the prefix is used as given.
 */
export function keyPrefixFor(target: RedisTarget, prefix: string): string {
  if (target.mode !== 'cluster' || /\{[^}]+\}/.test(prefix)) return prefix
  const sep = prefix.endsWith(':') ? ':' : ''
  return `{${sep ? prefix.slice(0, -1) : prefix}}${sep}`
}

/** Where a target points, for logs (no passwords). */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.mode) {
    case 'standalone':
      return target.url ? target.url.replace(/\/\/[^@/]*@/, '//') : 'default'
    case 'sentinel':
      return `sentinel ${target.name} via ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`
    case 'cluster':
      return `cluster ${target.nodes.map((s) => `${s.host}:${s.port}`).join(',')}`
  }
}
