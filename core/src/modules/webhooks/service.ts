import type { WebhookEventType } from '@ytempire/contract'
import { type Job, UnrecoverableError } from 'bullmq'
import { and, arrayContains, desc, eq, inArray, lt, lte, sql } from 'drizzle-orm'
import { webhookDeliveries, webhookEndpoints, webhookMessages } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, notFound, unprocessable } from '../../http/problem'
import { newMessageId, newWebhookSecret, signatureHeaders } from './signature'
import { checkWebhookUrl, postWebhook, RefusedAddressError, resolvePublic } from './transport'

export const WEBHOOK_QUEUE = 'webhook-deliveries'

type EndpointRow = typeof webhookEndpoints.$inferSelect
type DeliveryRow = typeof webhookDeliveries.$inferSelect
export interface DeliveryJob {
  messageId: string
  resend?: boolean
}

export const endpointView = (e: EndpointRow) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  enabled: e.enabled,
  disabledAt: e.disabledAt?.toISOString() ?? null,
  disabledReason: e.disabledReason,
  failingSince: e.failingSince?.toISOString() ?? null,
  previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
})

const deliveryView = (d: DeliveryRow & { eventType: string }) => ({
  id: d.id,
  messageId: d.messageId,
  eventType: d.eventType,
  attempt: d.attempt,
  trigger: d.trigger,
  succeeded: d.succeeded,
  statusCode: d.statusCode,
  error: d.error,
  latencyMs: d.latencyMs,
  responseExcerpt: d.responseExcerpt,
  createdAt: d.createdAt.toISOString(),
})

const secretContext = (endpointId: string) => `webhook:${endpointId}`
// Its own context: a sealed old secret cannot pass for the current one, nor move to another row.
const previousSecretContext = (endpointId: string) => `webhook-previous:${endpointId}`
const noPreviousSecret = { previousSecretEnc: null, previousSecretExpiresAt: null }

/**
 * Outgoing webhooks: operators' endpoints, the events other modules emit, and their delivery
 * (Standard Webhooks signatures, retried with exponential backoff for about three days, every
 * attempt logged).
 */
export function createWebhookService(deps: Deps) {
  const db = deps.database.db
  const cfg = deps.config.webhooks
  const deliveries = () => deps.jobs.queue<DeliveryJob>(WEBHOOK_QUEUE)

  async function checkUrl(url: string) {
    const problem = checkWebhookUrl(url, cfg.allowPrivateTargets)
    if (!problem) {
      try {
        await resolvePublic(new URL(url).hostname, cfg.allowPrivateTargets)
        return
      } catch (err) {
        throw unprocessable('The webhook URL is not deliverable', [
          { field: 'url', message: err instanceof RefusedAddressError ? err.message : `cannot resolve ${new URL(url).hostname}` },
        ])
      }
    }
    throw unprocessable('The webhook URL is not deliverable', [{ field: 'url', message: problem }])
  }

  async function enqueue(messageId: string, resend = false) {
    await deliveries().add(
      'deliver',
      { messageId, resend },
      {
        // A re-send is one more attempt, asked for by the owner; a new message gets the whole schedule.
        jobId: resend ? `${messageId}-resend-${crypto.randomUUID()}` : messageId,
        attempts: resend ? 1 : cfg.attempts,
        backoff: { type: 'exponential', delay: cfg.retryBaseMs, jitter: 0.2 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    )
  }

  /** An endpoint to send to now: a disabled one must be turned back on first. */
  const enabledOnly = (e: EndpointRow) => {
    if (!e.enabled) throw conflict('The endpoint is disabled; turn it back on with PATCH {"enabled": true} first')
    return e
  }

  /**
   * Drops the old secrets whose grace has ended (of one user's endpoints, or of one endpoint): done on
   * each read and delivery, so no view shows a lapsed secret as signing (an endpoint nobody reads or
   * sends to keeps its lapsed one, sealed and unused, until then).
   */
  async function dropExpiredSecrets(of: { userId: string } | { endpointId: string }) {
    await db
      .update(webhookEndpoints)
      .set(noPreviousSecret)
      .where(
        and(
          'userId' in of ? eq(webhookEndpoints.userId, of.userId) : eq(webhookEndpoints.id, of.endpointId),
          lte(webhookEndpoints.previousSecretExpiresAt, new Date(deps.clock())),
        ),
      )
  }

  async function owned(userId: string, id: string): Promise<EndpointRow> {
    await dropExpiredSecrets({ userId })
    const [row] = await db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    if (!row) throw notFound('Webhook endpoint')
    return row
  }

  /**
   * Stores a message for each endpoint and queues its delivery. With an `emission` key the message ids
   * follow from it: done again (the outbox after a crash), it stores nothing new and queues only what
   * was not delivered yet.
   */
  async function send(endpoints: EndpointRow[], type: WebhookEventType, data: Record<string, unknown>, emission?: string) {
    if (endpoints.length === 0) return []
    const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data })
    const rows = endpoints.map((e) => ({
      id: newMessageId(emission ? { emission, endpointId: e.id } : undefined),
      endpointId: e.id,
      type,
      body,
    }))
    await db.insert(webhookMessages).values(rows).onConflictDoNothing()
    const undelivered = await db
      .select({ id: webhookMessages.id })
      .from(webhookMessages)
      .where(
        and(
          inArray(
            webhookMessages.id,
            rows.map((r) => r.id),
          ),
          eq(webhookMessages.status, 'pending'),
          eq(webhookMessages.attempts, 0),
        ),
      )
    // The delivery job's id is the message id: queued twice, it is one job.
    for (const r of undelivered) await enqueue(r.id)
    return rows.map((r) => r.id)
  }

  return {
    async create(userId: string, input: { url: string; events: WebhookEventType[]; description?: string }) {
      await checkUrl(input.url)
      const id = crypto.randomUUID()
      const secret = newWebhookSecret()
      const [row] = await db
        .insert(webhookEndpoints)
        .values({
          id,
          userId,
          url: input.url,
          events: input.events,
          description: input.description ?? '',
          secretEnc: await deps.box.seal(secret, secretContext(id)),
        })
        .returning()
      return { ...endpointView(row!), secret }
    },

    async list(userId: string) {
      await dropExpiredSecrets({ userId })
      const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(webhookEndpoints.createdAt)
      return rows.map(endpointView)
    },

    get: async (userId: string, id: string) => endpointView(await owned(userId, id)),

    async update(
      userId: string,
      id: string,
      patch: { url?: string; events?: WebhookEventType[]; description?: string; enabled?: boolean },
    ) {
      await owned(userId, id)
      if (patch.url !== undefined) await checkUrl(patch.url)
      const reenable = patch.enabled === true ? { disabledAt: null, disabledReason: null, failingSince: null } : {}
      const [row] = await db
        .update(webhookEndpoints)
        .set({ ...patch, ...reenable, updatedAt: new Date() })
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
        .returning()
      if (!row) throw notFound('Webhook endpoint')
      return endpointView(row)
    },

    /**
     * A new secret, shown once in the answer. The replaced one keeps signing beside it for
     * `rotationGraceS`, so receivers switch over without refusing a delivery; rotating again within the
     * grace replaces that old secret (at most two ever sign).
     */
    async rotateSecret(userId: string, id: string) {
      const secret = newWebhookSecret()
      const row = await db.transaction(async (tx) => {
        // Locked: of two rotations at once the second keeps the first's new secret as its old one; unlocked,
        // both would keep the same old one and the secret shown to the first would never sign.
        const [current] = await tx
          .select()
          .from(webhookEndpoints)
          .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
          .for('update')
        if (!current) throw notFound('Webhook endpoint')
        const previous = await deps.box.open(current.secretEnc, secretContext(id))
        const [rotated] = await tx
          .update(webhookEndpoints)
          .set({
            secretEnc: await deps.box.seal(secret, secretContext(id)),
            previousSecretEnc: await deps.box.seal(previous, previousSecretContext(id)),
            previousSecretExpiresAt: new Date(deps.clock() + cfg.rotationGraceS * 1000),
            updatedAt: new Date(),
          })
          .where(eq(webhookEndpoints.id, id))
          .returning()
        return rotated!
      })
      return { ...endpointView(row), secret }
    },

    async remove(userId: string, id: string) {
      const gone = await db
        .delete(webhookEndpoints)
        .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
        .returning({ id: webhookEndpoints.id })
      if (gone.length === 0) throw notFound('Webhook endpoint')
    },

    /** Every attempt at the endpoint's messages, newest first. */
    async deliveries(userId: string, endpointId: string, q: { limit?: number; before?: string }) {
      await owned(userId, endpointId)
      const where = [eq(webhookDeliveries.endpointId, endpointId)]
      if (q.before) where.push(lt(webhookDeliveries.createdAt, new Date(q.before)))
      const rows = await db
        .select({ d: webhookDeliveries, eventType: webhookMessages.type })
        .from(webhookDeliveries)
        .innerJoin(webhookMessages, eq(webhookMessages.id, webhookDeliveries.messageId))
        .where(and(...where))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.attempt))
        .limit(q.limit ?? 50)
      return rows.map((r) => deliveryView({ ...r.d, eventType: r.eventType }))
    },

    /** Sends a delivery's message once more, with the same webhook-id (receivers may de-duplicate on it). */
    async resend(userId: string, endpointId: string, deliveryId: string) {
      const endpoint = enabledOnly(await owned(userId, endpointId))
      const [d] = await db
        .select({ messageId: webhookDeliveries.messageId })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpoint.id)))
      if (!d) throw notFound('Delivery')
      await enqueue(d.messageId, true)
      return { messageId: d.messageId }
    },

    async ping(userId: string, endpointId: string) {
      const endpoint = enabledOnly(await owned(userId, endpointId))
      const [messageId] = await send([endpoint], 'ping', { endpointId: endpoint.id })
      return { messageId: messageId! }
    },

    /**
     * Tells the user's endpoints that subscribed to `type`. Other modules call this after their own
     * change has been committed; the delivery itself runs in the background. `emission` names this
     * emission when it may be done more than once (the outbox): each endpoint gets one message.
     */
    async emit(userId: string, type: WebhookEventType, data: Record<string, unknown>, emission?: string): Promise<string[]> {
      const endpoints = await db
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.userId, userId), eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.events, [type])))
      return send(endpoints, type, data, emission)
    },

    /** One delivery attempt (the queue's processor). Throws to have BullMQ retry it later. */
    async deliver(job: Pick<Job<DeliveryJob>, 'data' | 'attemptsMade' | 'opts'>) {
      const [found] = await db
        .select({ m: webhookMessages, e: webhookEndpoints })
        .from(webhookMessages)
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookMessages.endpointId))
        .where(eq(webhookMessages.id, job.data.messageId))
      if (!found) return 'gone'
      const { m, e } = found
      if (!e.enabled) {
        await db
          .update(webhookMessages)
          .set({ status: 'failed' })
          .where(and(eq(webhookMessages.id, m.id), eq(webhookMessages.status, 'pending')))
        return 'endpoint-disabled'
      }
      const secrets = [await deps.box.open(e.secretEnc, secretContext(e.id))]
      if (e.previousSecretEnc && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > deps.clock()) {
        secrets.push(await deps.box.open(e.previousSecretEnc, previousSecretContext(e.id)))
      } else if (e.previousSecretEnc) {
        await dropExpiredSecrets({ endpointId: e.id })
      }
      const headers = signatureHeaders(secrets, m.id, Math.floor(Date.now() / 1000), m.body)
      const result = await postWebhook(e.url, headers, m.body, {
        allowPrivateTargets: cfg.allowPrivateTargets,
        timeoutMs: cfg.timeoutMs,
        excerptBytes: cfg.responseExcerptBytes,
      })
      const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300
      // A refused address is not tried again, so its first attempt is also its last.
      const lastTry = result.refused === true || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
      const now = new Date()
      const disabled = await db.transaction(async (tx) => {
        const [counted] = await tx
          .update(webhookMessages)
          .set({
            attempts: sql`${webhookMessages.attempts} + 1`,
            status: ok ? 'delivered' : lastTry ? 'failed' : 'pending',
            deliveredAt: ok ? now : undefined,
          })
          .where(eq(webhookMessages.id, m.id))
          .returning({ attempts: webhookMessages.attempts })
        await tx.insert(webhookDeliveries).values({
          messageId: m.id,
          endpointId: e.id,
          attempt: counted!.attempts,
          trigger: job.data.resend ? 'resend' : job.attemptsMade === 0 ? 'first' : 'retry',
          succeeded: ok,
          statusCode: result.statusCode ?? null,
          error: result.error ?? null,
          latencyMs: result.latencyMs,
          responseExcerpt: result.excerpt ?? null,
        })
        if (ok) {
          await tx.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, e.id))
          return false
        }
        const [endpoint] = await tx
          .update(webhookEndpoints)
          .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)` })
          .where(eq(webhookEndpoints.id, e.id))
          .returning({ failingSince: webhookEndpoints.failingSince, enabled: webhookEndpoints.enabled })
        const failingS = (now.getTime() - endpoint!.failingSince!.getTime()) / 1000
        if (!endpoint!.enabled || failingS < cfg.disableAfterS) return false
        const days = Math.max(1, Math.round(failingS / 86400))
        await tx
          .update(webhookEndpoints)
          .set({ enabled: false, disabledAt: now, disabledReason: `every delivery failed for ${days} day(s)`, updatedAt: now })
          .where(eq(webhookEndpoints.id, e.id))
        // The owner is told in the same transaction: whoever sees the endpoint disabled sees why.
        await deps.audit.record(
          {
            userId: e.userId,
            actorId: null,
            type: 'webhook_endpoint.disabled',
            data: { endpointId: e.id, url: e.url, failingSince: endpoint!.failingSince!.toISOString() },
          },
          tx,
        )
        return true
      })
      if (disabled) {
        deps.log.warn({ endpointId: e.id, userId: e.userId }, 'webhook endpoint disabled after failing for days')
        return 'endpoint-disabled'
      }
      if (ok) return 'delivered'
      const why = result.error ?? `the receiver answered ${result.statusCode}`
      // An address that resolves into our own network is not tried again.
      if (result.refused) throw new UnrecoverableError(why)
      throw new Error(why)
    },

    /** Re-encrypts endpoint secrets sealed under an older key (admin reseal). */
    async reseal(): Promise<number> {
      let n = 0
      const rows = await db
        .select({ id: webhookEndpoints.id, secretEnc: webhookEndpoints.secretEnc, previousSecretEnc: webhookEndpoints.previousSecretEnc })
        .from(webhookEndpoints)
      for (const row of rows) {
        if (deps.box.needsRotation(row.secretEnc)) {
          const plain = await deps.box.open(row.secretEnc, secretContext(row.id))
          await db
            .update(webhookEndpoints)
            .set({ secretEnc: await deps.box.seal(plain, secretContext(row.id)) })
            .where(eq(webhookEndpoints.id, row.id))
          n++
        }
        if (row.previousSecretEnc && deps.box.needsRotation(row.previousSecretEnc)) {
          const plain = await deps.box.open(row.previousSecretEnc, previousSecretContext(row.id))
          // Only if it is still the same sealed value: a rotation or the grace's end may have replaced it meanwhile.
          await db
            .update(webhookEndpoints)
            .set({ previousSecretEnc: await deps.box.seal(plain, previousSecretContext(row.id)) })
            .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.previousSecretEnc, row.previousSecretEnc)))
          n++
        }
      }
      return n
    },
  }
}
export type WebhookService = ReturnType<typeof createWebhookService>
