import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { WEBHOOK_EVENT_TYPES } from '@ytempire/contract'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api } from '../api/session'
import type { WebhookDelivery } from '../api/types'
import { ago, dateTime, Empty, QueryView, ShownOnce } from '../ui/bits'
import { Checkboxes, FormCard, ProblemAlert, TextField } from '../ui/forms'
import { type Column, DataTable } from '../ui/table'
import { ReadOnlyNote, useCanWrite, WriteOnly } from '../ui/write-access'

type EventType = (typeof WEBHOOK_EVENT_TYPES)[number]
const endpointsKey = ['webhook-endpoints']
const SUBSCRIBABLE = WEBHOOK_EVENT_TYPES.filter((e) => e !== 'ping')

export function Webhooks() {
  const qc = useQueryClient()
  const endpoints = useQuery({ queryKey: endpointsKey, queryFn: () => unwrap(api.v1.webhooks.endpoints.get()) })
  const [url, setUrl] = useState('')
  const [description, setDescription] = useState('')
  const [events, setEvents] = useState<EventType[]>(['video.completed', 'video.failed'])
  const create = useMutation({
    mutationFn: () => unwrap(api.v1.webhooks.endpoints.post({ url, events, ...(description ? { description } : {}) })),
    onSuccess: () => {
      setUrl('')
      setDescription('')
      void qc.invalidateQueries({ queryKey: endpointsKey })
    },
  })
  const problem = problemOf(create.error)
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">
        ytempire tells your systems what happened, signed the Standard Webhooks way (<code>webhook-id</code>, <code>webhook-timestamp</code>
        , <code>webhook-signature</code>), retried with backoff for about three days.
      </p>
      {create.data && (
        <ShownOnce title="Endpoint added. Its signing secret is shown only this once:">
          <p>
            <code className="secret">{create.data.secret}</code>
          </p>
        </ShownOnce>
      )}
      <WriteOnly fallback={<ReadOnlyNote />}>
        <FormCard
          id="new-endpoint-h"
          title="Add an endpoint"
          onSubmit={() => create.mutate()}
          problem={problem}
          fields={['url', 'events', 'description']}
          busy={create.isPending}
          submitLabel="Add endpoint"
        >
          <div className="grid-2">
            <TextField
              label="URL"
              name="url"
              problem={problem}
              hint="A public https:// address; redirects are not followed"
              type="url"
              inputMode="url"
              value={url}
              onValue={setUrl}
            />
            <TextField
              label="Description (optional)"
              name="description"
              problem={problem}
              maxLength={500}
              value={description}
              onValue={setDescription}
            />
          </div>
          <fieldset className="fieldset">
            <legend>Events</legend>
            <div className="segmented">
              <Checkboxes values={SUBSCRIBABLE} checked={events} onChange={setEvents} label={(ev) => <code>{ev}</code>} />
            </div>
          </fieldset>
        </FormCard>
      </WriteOnly>
      <section aria-labelledby="endpoints-h">
        <h2 id="endpoints-h">Your endpoints</h2>
        <QueryView query={endpoints} empty={<Empty title="No endpoints yet." />}>
          {(rows) => rows.map((ep) => <Endpoint key={ep.id} endpoint={ep} />)}
        </QueryView>
      </section>
    </>
  )
}

type EndpointView = NonNullable<Awaited<ReturnType<typeof api.v1.webhooks.endpoints.get>>['data']>[number]

/** Without `resend` (a viewer's page), no actions column. */
const deliveryColumns = (resend?: { mutate: (id: string) => void; isPending: boolean }): Column<WebhookDelivery>[] => [
  { head: 'When', cell: (d) => ago(d.createdAt) },
  { head: 'Event', cell: (d) => <code>{d.eventType}</code> },
  { head: 'Attempt', cell: (d) => `${d.attempt} (${d.trigger})` },
  { head: 'Answer', cell: (d) => d.statusCode ?? d.error ?? '—', attrs: (d) => ({ className: d.succeeded ? undefined : 'field-error' }) },
  { head: 'Latency', num: true, cell: (d) => `${d.latencyMs} ms` },
  ...(resend
    ? [
        {
          head: <span className="sr-only">Actions</span>,
          cell: (d: WebhookDelivery) => (
            <button type="button" className="button small" onClick={() => resend.mutate(d.id)} disabled={resend.isPending}>
              Re-send
            </button>
          ),
        },
      ]
    : []),
]

function Endpoint({ endpoint: ep }: { endpoint: EndpointView }) {
  const qc = useQueryClient()
  const canWrite = useCanWrite()
  const [open, setOpen] = useState(false)
  const deliveriesKey = ['webhook-deliveries', ep.id]
  const deliveries = useQuery({
    queryKey: deliveriesKey,
    queryFn: () => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).deliveries.get({ query: { limit: 20 } })),
    enabled: open,
  })
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: endpointsKey })
    void qc.invalidateQueries({ queryKey: deliveriesKey })
  }
  const toggle = useMutation({
    mutationFn: () => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).patch({ enabled: !ep.enabled })),
    onSettled: refresh,
  })
  const ping = useMutation({ mutationFn: () => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).ping.post()), onSuccess: refresh })
  const remove = useMutation({ mutationFn: () => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).delete()), onSuccess: refresh })
  const rotate = useMutation({
    mutationFn: () => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).secret.rotate.post()),
    onSuccess: refresh,
  })
  const resend = useMutation({
    mutationFn: (deliveryId: string) => unwrap(api.v1.webhooks.endpoints({ id: ep.id }).deliveries({ deliveryId }).resend.post()),
    onSuccess: refresh,
  })
  return (
    <article className="card">
      <div className="section-head">
        <div>
          <h3 className="endpoint-url">{ep.url}</h3>
          <p className="muted small">
            {ep.description ? `${ep.description} · ` : ''}
            {ep.events.join(', ')}
          </p>
        </div>
        <span className={`badge ${ep.enabled ? 'badge-completed' : 'badge-failed'}`}>{ep.enabled ? 'Enabled' : 'Disabled'}</span>
      </div>
      {ep.disabledReason && (
        <p className="field-error">
          Disabled {dateTime(ep.disabledAt)}: {ep.disabledReason}
        </p>
      )}
      {ep.failingSince && <p className="field-error">Failing since {dateTime(ep.failingSince)}</p>}
      {rotate.data && (
        <ShownOnce title="New signing secret, shown only this once:" copy={rotate.data.secret}>
          <p>
            <code className="secret">{rotate.data.secret}</code>
          </p>
        </ShownOnce>
      )}
      {ep.previousSecretExpiresAt && (
        <p className="muted small">
          The previous secret also signs deliveries until {dateTime(ep.previousSecretExpiresAt)}; switch your receiver to the new one before
          then.
        </p>
      )}
      <ProblemAlert problem={problemOf(toggle.error ?? ping.error ?? rotate.error ?? remove.error ?? resend.error)} />
      <div className="actions">
        {canWrite && (
          <>
            <button type="button" className="button small" onClick={() => ping.mutate()} disabled={ping.isPending || !ep.enabled}>
              Send a ping
            </button>
            <button type="button" className="button small" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
              {ep.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              className="button small"
              onClick={() =>
                window.confirm('Rotate the signing secret? The old one keeps signing for a grace period, then stops.') && rotate.mutate()
              }
              disabled={rotate.isPending}
            >
              Rotate secret
            </button>
          </>
        )}
        <button type="button" className="button small" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide deliveries' : 'Deliveries'}
        </button>
        {canWrite && (
          <button type="button" className="button small danger" onClick={() => window.confirm(`Delete ${ep.url}?`) && remove.mutate()}>
            Delete
          </button>
        )}
      </div>
      {open && (
        <QueryView query={deliveries} retry={false} empty={<p className="muted">No deliveries yet.</p>}>
          {(rows) => <DataTable compact columns={deliveryColumns(canWrite ? resend : undefined)} rows={rows} rowKey={(d) => d.id} />}
        </QueryView>
      )}
    </article>
  )
}
