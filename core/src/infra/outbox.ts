// Work that must follow a committed change (queue a video's job; meter a completed video and tell its
// owner's webhooks) is written as a row in the change's own transaction, then done: at once after the
// commit, and again by a relay on every core instance for whatever a crash, a Redis outage or a
// failed call left behind. A row is deleted once its work is done, so a row is done at least once:
// handlers are idempotent (job ids, message ids derived from the row). Times are the database's
// (now()), so instances with skewed clocks agree on what is due.
import type { WebhookEventType } from '@ytempire/contract'
import { contextFrom, inSpan, SpanKind, type TraceCarrier, traceCarrier } from '@ytempire/contract/tracing'
import { and, asc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm'
import type { Db } from '../db'
import { type OutboxTopic, outbox } from '../db/schema'
import type { Logger } from './logger'

export type { OutboxTopic }

export interface OutboxPayloads {
  /** `grant`: the video's publish grant, sealed (the job carries it; the database keeps only its hash). */
  'video.dispatch': { videoId: string; grant?: string }
  'video.finished': { videoId: string }
  /** One event for the user's webhook endpoints, announced once for the change it was written with. */
  'webhook.emit': { userId: string; type: WebhookEventType; data: Record<string, unknown> }
  /** A user's plan changed: their cached views go, their endpoints hear `billing.plan_changed` with `data`. */
  'billing.plan_changed': { userId: string; data: Record<string, unknown> }
  /** Look at the user's plan again at `until` (epoch ms): the grace or the paid period ends then. */
  'billing.lapse': { userId: string; until: number }
}

export interface OutboxConfig {
  /** How often the relay looks for rows left behind. */
  pollMs: number
  /** A failed row is tried again after firstMs, doubling up to maxMs. */
  retry: { firstMs: number; maxMs: number }
  /** A handler that has not finished by then counts as failed (a Redis that hangs rather than refuses). */
  handlerTimeoutMs: number
}

/** A row remembers the trace it was written in (tracing on): its work continues that trace. */
type Traced = { trace?: TraceCarrier }

type Handler<T extends OutboxTopic> = (payload: OutboxPayloads[T], rowId: number) => Promise<void>

export interface Outbox {
  /** Writes a row in the caller's transaction; do its work with `flush` once committed. */
  add<T extends OutboxTopic>(tx: Db, topic: T, payload: OutboxPayloads[T]): Promise<number>
  /** The one handler of a topic. */
  handle<T extends OutboxTopic>(topic: T, fn: Handler<T>): void
  /** Does the given rows now, even those waiting out a backoff (a replayed request); what fails is left to the relay. */
  flush(ids: number[]): Promise<void>
  /** Does every row that is due, oldest first; answers how many were done. */
  drain(): Promise<number>
  /** Rows of a topic not done yet for a key of their payload (a replayed request looks for its dispatch). */
  pending(topic: OutboxTopic, videoId: string): Promise<number[]>
  /** Polls every `pollMs` until closed. */
  startRelay(): { close(): Promise<void> }
}

export function createOutbox(db: Db, config: OutboxConfig, log: Logger): Outbox {
  const handlers = new Map<OutboxTopic, Handler<OutboxTopic>>()

  const withTimeout = <T>(work: Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${config.handlerTimeoutMs} ms`)), config.handlerTimeoutMs)
    })
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
  }

  /**
   * Claims the row for a lease (one statement: of two instances, the second finds it leased), does its
   * work outside any transaction (a handler may query and call out freely; the embedded database has
   * one connection), then deletes it; on failure schedules the next try. A process that dies holding
   * the lease leaves the row to whoever finds it due after the lease.
   */
  async function run(id: number, evenIfWaiting = false): Promise<boolean> {
    const leaseMs = config.handlerTimeoutMs * 2
    const free = or(isNull(outbox.leasedUntil), lt(outbox.leasedUntil, sql`now()`))
    const [row] = await db
      .update(outbox)
      .set({ leasedUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(and(eq(outbox.id, id), free, evenIfWaiting ? undefined : lte(outbox.availableAt, sql`now()`)))
      .returning()
    if (!row) return false
    const handler = handlers.get(row.topic)
    const { trace, ...payload } = row.payload as OutboxPayloads[OutboxTopic] & Traced
    try {
      if (!handler) throw new Error(`no handler for ${row.topic}`)
      // The work is a span of the trace that wrote the row (the request), wherever and whenever it runs.
      await inSpan(
        row.topic,
        {
          kind: SpanKind.PRODUCER,
          parent: contextFrom(trace),
          attributes: { 'ytempire.outbox.id': row.id, 'ytempire.outbox.attempt': row.attempts + 1 },
        },
        () => withTimeout(handler(payload as OutboxPayloads[OutboxTopic], row.id)),
      )
      await db.delete(outbox).where(eq(outbox.id, row.id))
      return true
    } catch (err) {
      const delayMs = Math.min(config.retry.maxMs, config.retry.firstMs * 2 ** row.attempts)
      log.warn(
        { err, outboxId: row.id, topic: row.topic, attempts: row.attempts + 1, retryInMs: delayMs },
        'outbox work failed; will retry',
      )
      await db
        .update(outbox)
        .set({
          attempts: row.attempts + 1,
          lastError: (err as Error).message.slice(0, 500),
          availableAt: sql`now() + ${delayMs} * interval '1 millisecond'`,
          leasedUntil: null,
        })
        .where(eq(outbox.id, row.id))
      return false
    }
  }

  const outboxApi: Outbox = {
    async add(tx, topic, payload) {
      const trace = traceCarrier()
      const [row] = await tx
        .insert(outbox)
        .values({ topic, payload: trace ? { ...payload, trace } : payload })
        .returning({ id: outbox.id })
      return row!.id
    },
    handle(topic, fn) {
      handlers.set(topic, fn as Handler<OutboxTopic>)
    },
    async flush(ids) {
      for (const id of ids) await run(id, true).catch((err) => log.warn({ err, outboxId: id }, 'outbox flush failed; the relay retries'))
    },
    async drain() {
      let done = 0
      for (;;) {
        const due = await db
          .select({ id: outbox.id })
          .from(outbox)
          .where(and(lte(outbox.availableAt, sql`now()`), or(isNull(outbox.leasedUntil), lt(outbox.leasedUntil, sql`now()`))))
          .orderBy(asc(outbox.id))
          .limit(50)
        if (due.length === 0) return done
        let progressed = false
        for (const { id } of due) {
          if (await run(id)) {
            done++
            progressed = true
          }
        }
        // Everything due failed again (or is another instance's right now): the next poll retries.
        if (!progressed) return done
      }
    },
    async pending(topic, videoId) {
      const rows = await db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.topic, topic), sql`${outbox.payload}->>'videoId' = ${videoId}`))
      return rows.map((r) => r.id)
    },
    startRelay() {
      let running: Promise<unknown> | undefined
      const timer = setInterval(() => {
        running ??= outboxApi
          .drain()
          .catch((err) => log.error({ err }, 'outbox relay failed'))
          .finally(() => {
            running = undefined
          })
      }, config.pollMs)
      return {
        async close() {
          clearInterval(timer)
          await running
        },
      }
    },
  }
  return outboxApi
}
