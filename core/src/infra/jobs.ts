// The core's own background queues (meter events, webhook deliveries, plan lapses, ...), bound to one
// BullMQ connection and the installation's queue prefix. The render pipeline has its own client.

import { quietQueue } from '@ytempire/contract/queue'
import type { RedisConnection } from '@ytempire/contract/redis'
import { type Processor, Queue, Worker, type WorkerOptions } from 'bullmq'

export interface JobQueues {
  /** One Queue per name, made on first use and closed with the rest. */
  queue<T>(name: string): Queue<T>
  worker<T>(name: string, processor: Processor<T>, opts?: Omit<WorkerOptions, 'connection' | 'prefix'>): Worker<T>
  close(): Promise<void>
}

/** `connection` must allow blocking commands (`maxRetriesPerRequest: null`); it is owned from here on. */
export function createJobQueues(connection: RedisConnection, prefix: string): JobQueues {
  const queues = new Map<string, Queue>()
  const workers: Worker[] = []
  return {
    queue<T>(name: string) {
      let q = queues.get(name)
      if (!q) {
        q = quietQueue(new Queue(name, { connection, prefix }))
        queues.set(name, q)
      }
      return q as Queue<T>
    },
    worker<T>(name: string, processor: Processor<T>, opts: Omit<WorkerOptions, 'connection' | 'prefix'> = {}) {
      const w = new Worker<T>(name, processor, { ...opts, connection, prefix })
      workers.push(w as Worker)
      return w
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.close()))
      await Promise.all([...queues.values()].map((q) => q.close()))
      queues.clear()
      connection.disconnect()
    },
  }
}
