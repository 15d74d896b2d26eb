// A Redis primary, its replica and three sentinels on private ports (the settings of
// deploy/redis/sentinel.conf, with a 1 s detection time instead of 5 s), for the failover tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from '@ytempire/test-support'
import { Redis } from 'ioredis'
import { freePort } from '../../core/src/infra/local-redis'

export const redisServer = Bun.which('redis-server')

export interface SentinelSet {
  name: string
  ports: { primary: number; replica: number; sentinels: number[] }
  /** REDIS_SENTINELS for a process of ours */
  sentinelsEnv: string
  /** SIGKILLs the primary (the sentinels promote the replica after `down-after`). */
  killPrimary(): void
  /** The port of the server the sentinels name as primary now. */
  primaryPort(): Promise<number>
  stop(): void
}

export const admin = (port: number) => new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 })

/** Starts the set and waits until the replica is in sync and every sentinel sees the others and a quorum. */
export async function startSentinelSet(opts: { downAfterMs?: number; appendonly?: boolean } = {}): Promise<SentinelSet> {
  if (!redisServer) throw new Error('redis-server is not installed')
  const name = 'ytempire'
  const dir = mkdtempSync(join(tmpdir(), 'ytempire-sentinel-'))
  const procs = new Map<string, ReturnType<typeof Bun.spawn>>()
  const start = (role: string, args: string[]) => {
    const home = join(dir, role)
    mkdirSync(home, { recursive: true })
    procs.set(
      role,
      Bun.spawn([redisServer, ...args, '--dir', home, '--logfile', join(home, 'log')], { stdout: 'ignore', stderr: 'ignore' }),
    )
  }
  const ports = { primary: await freePort(), replica: await freePort(), sentinels: [] as number[] }
  // As production runs it (AOF, everysec) when asked; the replica must be able to take over either way.
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', opts.appendonly ? 'yes' : 'no']
  start('primary', ['--port', String(ports.primary), ...common])
  start('replica', ['--port', String(ports.replica), ...common, '--replicaof', '127.0.0.1', String(ports.primary)])
  for (let i = 1; i <= 3; i++) {
    const port = await freePort()
    ports.sentinels.push(port)
    const conf = join(dir, `sentinel-${i}.conf`)
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `sentinel monitor ${name} 127.0.0.1 ${ports.primary} 2`,
        `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} 10000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    )
    start(`sentinel-${i}`, [conf, '--sentinel'])
  }
  await waitUntil(
    async () => {
      const r = admin(ports.replica)
      const info = await r.info('replication')
      r.disconnect()
      return info.includes('master_link_status:up')
    },
    { what: 'replication', timeoutMs: 30_000 },
  )
  for (const port of ports.sentinels)
    await waitUntil(
      async () => {
        const s = admin(port)
        const replicas = (await s.call('SENTINEL', 'REPLICAS', name)) as unknown[]
        const quorum = await s.call('SENTINEL', 'CKQUORUM', name)
        const others = (await s.call('SENTINEL', 'SENTINELS', name)) as unknown[]
        s.disconnect()
        return replicas.length === 1 && String(quorum).startsWith('OK') && others.length === 2
      },
      { what: `sentinel ${port}`, timeoutMs: 30_000 },
    )
  return {
    name,
    ports,
    sentinelsEnv: ports.sentinels.map((p) => `127.0.0.1:${p}`).join(','),
    killPrimary: () => procs.get('primary')?.kill('SIGKILL'),
    async primaryPort() {
      const s = admin(ports.sentinels[0]!)
      try {
        const [, port] = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string]
        return Number(port)
      } finally {
        s.disconnect()
      }
    },
    stop() {
      for (const p of procs.values()) p.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
