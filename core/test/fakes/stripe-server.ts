// A small Stripe for the tests: the real `stripe` SDK talks to it over HTTP. It speaks Stripe's wire
// format (form-encoded bodies with bracketed keys, JSON objects with `object`/`id`/`created`, Stripe's
// error shape, Idempotency-Key replay) for what billing uses: customers, Checkout and Customer Portal
// sessions, subscriptions (retrieve), and billing meter events with identifier de-duplication. Tests
// set subscription state, inject faults, and sign webhook events exactly as Stripe does.
import Stripe from 'stripe'

type Json = Record<string, unknown>

export interface FakeSubscription {
  id: string
  customer: string
  status: string
  price: string
  /** unix seconds */
  periodStart: number
  periodEnd: number
  cancelAtPeriodEnd?: boolean
}

interface Recorded {
  method: string
  path: string
  params: Json
  idempotencyKey: string | null
}

const now = () => Math.floor(Date.now() / 1000)
let seq = 0
const newId = (prefix: string) => `${prefix}_test${Date.now().toString(36)}${(++seq).toString(36).padStart(4, '0')}`

/** Parses `a[b][0][c]=v` form bodies into nested objects and arrays, as Stripe does. */
export function parseStripeForm(body: string): Json {
  const out: Json = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split(/[[\]]+/).filter(Boolean)
    let node: Record<string, unknown> | unknown[] = out
    parts.forEach((part, i) => {
      const last = i === parts.length - 1
      const key: string | number = Array.isArray(node) ? Number(part) : part
      if (last) {
        ;(node as Record<string | number, unknown>)[key] = value
        return
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1]!)
      const container = node as Record<string | number, unknown>
      container[key] ??= nextIsIndex ? [] : {}
      node = container[key] as Record<string, unknown> | unknown[]
    })
  }
  return out
}

const stripeError = (status: number, type: string, message: string, extra: Json = {}) =>
  Response.json({ error: { type, message, ...extra } }, { status, headers: { 'request-id': newId('req') } })

/** Stripe's answer naming a customer it does not have, in the parameter `param` of the request. */
const noSuchCustomer = (id: unknown, param: string, status = 400) =>
  stripeError(status, 'invalid_request_error', `No such customer: '${id}'`, { code: 'resource_missing', param })

export async function startFakeStripe(opts: { webhookSecret?: string } = {}) {
  const webhookSecret = opts.webhookSecret ?? `whsec_${crypto.randomUUID().replaceAll('-', '')}`
  const customers = new Map<string, Json>()
  const subscriptions = new Map<string, FakeSubscription>()
  const meterEvents = new Map<string, Json>()
  const checkoutSessions: Json[] = []
  const portalSessions: Json[] = []
  const requests: Recorded[] = []
  const idempotent = new Map<string, { status: number; body: string }>()
  const faults: { path: string; status: number; afterRecord: boolean }[] = []

  function subscriptionObject(s: FakeSubscription): Json {
    return {
      id: s.id,
      object: 'subscription',
      created: s.periodStart,
      customer: s.customer,
      status: s.status,
      cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
      canceled_at: s.status === 'canceled' ? now() : null,
      ended_at: null,
      livemode: false,
      metadata: {},
      start_date: s.periodStart,
      items: {
        object: 'list',
        has_more: false,
        url: `/v1/subscription_items?subscription=${s.id}`,
        data: [
          {
            id: `si_${s.id}`,
            object: 'subscription_item',
            created: s.periodStart,
            current_period_start: s.periodStart,
            current_period_end: s.periodEnd,
            price: { id: s.price, object: 'price', active: true, currency: 'usd', type: 'recurring' },
            quantity: 1,
            subscription: s.id,
          },
        ],
      },
    }
  }

  function route(method: string, path: string, params: Json): Response {
    if (method === 'POST' && path === '/v1/customers') {
      const c = {
        id: newId('cus'),
        object: 'customer',
        created: now(),
        email: params.email ?? null,
        metadata: params.metadata ?? {},
        livemode: false,
      }
      customers.set(c.id, c)
      return Response.json(c)
    }
    const customer = path.match(/^\/v1\/customers\/([^/]+)$/)
    if (method === 'GET' && customer) {
      const c = customers.get(customer[1]!)
      return c ? Response.json(c) : noSuchCustomer(customer[1], 'id', 404)
    }
    if (method === 'DELETE' && customer) {
      // Deleting a customer cancels its subscriptions at once.
      if (!customers.delete(customer[1]!)) return noSuchCustomer(customer[1], 'id', 404)
      for (const s of subscriptions.values()) if (s.customer === customer[1]) s.status = 'canceled'
      return Response.json({ id: customer[1], object: 'customer', deleted: true })
    }
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      if (!customers.has(params.customer as string)) return noSuchCustomer(params.customer, 'customer')
      if (!Array.isArray(params.line_items) || params.line_items.length === 0)
        return stripeError(400, 'invalid_request_error', 'Missing required param: line_items.', {
          code: 'parameter_missing',
          param: 'line_items',
        })
      const id = newId('cs')
      const s = {
        id,
        object: 'checkout.session',
        created: now(),
        url: `https://checkout.stripe.com/c/pay/${id}`,
        status: 'open',
        livemode: false,
        ...params,
      }
      checkoutSessions.push(s)
      return Response.json(s)
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions') {
      if (!customers.has(params.customer as string)) return noSuchCustomer(params.customer, 'customer')
      const id = newId('bps')
      const s = {
        id,
        object: 'billing_portal.session',
        created: now(),
        customer: params.customer,
        return_url: params.return_url,
        url: `https://billing.stripe.com/p/session/${id}`,
        livemode: false,
      }
      portalSessions.push(s)
      return Response.json(s)
    }
    const sub = path.match(/^\/v1\/subscriptions\/([^/]+)$/)
    if (method === 'GET' && sub) {
      const s = subscriptions.get(sub[1]!)
      return s
        ? Response.json(subscriptionObject(s))
        : stripeError(404, 'invalid_request_error', `No such subscription: '${sub[1]}'`, { code: 'resource_missing', param: 'id' })
    }
    if (method === 'POST' && path === '/v1/billing/meter_events') {
      const payload = (params.payload ?? {}) as Json
      if (!params.event_name)
        return stripeError(400, 'invalid_request_error', 'Missing required param: event_name.', {
          code: 'parameter_missing',
          param: 'event_name',
        })
      if (!customers.has(payload.stripe_customer_id as string))
        return stripeError(400, 'invalid_request_error', `No such customer: '${payload.stripe_customer_id}'`, {
          param: 'payload[stripe_customer_id]',
        })
      const identifier = (params.identifier as string) ?? newId('mev')
      // Stripe keeps one event per identifier; here a second one is refused as a duplicate.
      if (meterEvents.has(identifier))
        return stripeError(400, 'invalid_request_error', `An event with identifier '${identifier}' already exists.`, {
          code: 'duplicate_meter_event',
          param: 'identifier',
        })
      const e = {
        object: 'billing.meter_event',
        created: now(),
        event_name: params.event_name,
        identifier,
        livemode: false,
        payload,
        timestamp: Number(params.timestamp ?? now()),
      }
      meterEvents.set(identifier, e)
      return Response.json(e)
    }
    return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`)
  }

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url)
      const auth = req.headers.get('authorization') ?? ''
      if (!/^Bearer sk_test_/.test(auth)) return stripeError(401, 'invalid_request_error', 'Invalid API Key provided: ***')
      const params = req.method === 'GET' ? parseStripeForm(url.search.slice(1)) : parseStripeForm(await req.text())
      const idempotencyKey = req.headers.get('idempotency-key')
      requests.push({ method: req.method, path: url.pathname, params, idempotencyKey })
      const replayKey = idempotencyKey && req.method === 'POST' ? `${url.pathname} ${idempotencyKey}` : undefined
      const saved = replayKey ? idempotent.get(replayKey) : undefined
      // Stripe saves the first answer to a key, errors included, and replays it for a day.
      if (saved)
        return new Response(saved.body, {
          status: saved.status,
          headers: { 'content-type': 'application/json', 'idempotent-replayed': 'true' },
        })
      const fault = faults.findIndex((f) => f.path === url.pathname)
      let res: Response
      if (fault >= 0) {
        const f = faults.splice(fault, 1)[0]!
        if (f.afterRecord) route(req.method, url.pathname, params)
        res = stripeError(f.status, 'api_error', 'An unknown error occurred while processing your request.')
      } else res = route(req.method, url.pathname, params)
      const body = await res.text()
      if (replayKey && res.status !== 409) idempotent.set(replayKey, { status: res.status, body })
      return new Response(body, { status: res.status, headers: { 'content-type': 'application/json', 'request-id': newId('req') } })
    },
  })

  const signer = new Stripe('sk_test_signer')
  let eventCreated = now()

  return {
    url: `http://127.0.0.1:${server.port}`,
    webhookSecret,
    customers,
    subscriptions,
    meterEvents,
    checkoutSessions,
    portalSessions,
    requests,
    /** The next request to `path` answers `status`; with afterRecord the work is done first (the answer is lost). */
    failNext(path: string, status = 500, afterRecord = false) {
      faults.push({ path, status, afterRecord })
    },
    /** Forgets the faults not used yet. */
    clearFaults() {
      faults.length = 0
    },
    setSubscription(s: FakeSubscription) {
      subscriptions.set(s.id, s)
      return subscriptionObject(s)
    },
    /** A Stripe event carrying `object`; `created` (unix seconds) defaults to a later second each time. */
    event(type: string, object: Json, created?: number) {
      eventCreated = Math.max(eventCreated + 1, now())
      return {
        id: newId('evt'),
        object: 'event',
        api_version: '2026-10-28.endive',
        created: created ?? eventCreated,
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      }
    },
    /** The Stripe-Signature header for a payload, as Stripe computes it. */
    sign: (payload: string, timestamp = now()) =>
      signer.webhooks.generateTestHeaderStringAsync({ payload, secret: webhookSecret, timestamp }),
    stop: () => server.stop(true),
  }
}
export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>
