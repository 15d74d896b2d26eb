// Reports every state change to the `video-events` queue, which the core consumes.

import type { RedisConnection } from '@ytempire/contract/redis'
import { Queue } from 'bullmq'
import { QUEUES, type VideoEvent } from '../contract'

type Unstamped<E> = E extends VideoEvent ? Omit<E, 'at'> : never

export class EventReporter {
  private readonly queue: Queue

  constructor(connection: RedisConnection, prefix: string) {
    this.queue = new Queue(QUEUES.events, { connection, prefix })
  }

  async report(event: Unstamped<VideoEvent>): Promise<void> {
    const stamped = { ...event, at: new Date().toISOString() } as VideoEvent
    await this.queue.add(stamped.type, stamped, {
      removeOnComplete: { count: 10_000 },
      removeOnFail: { count: 10_000 },
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    })
  }

  async close(): Promise<void> {
    await this.queue.close()
  }
}
