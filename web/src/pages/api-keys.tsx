import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api, session } from '../api/session'
import type { ApiKey } from '../api/types'
import { ago, dateTime, Empty, QueryView, ShownOnce } from '../ui/bits'
import { Checkboxes, FormCard, ProblemAlert, TextField } from '../ui/forms'
import { type Column, DataTable } from '../ui/table'
import { ReadOnlyNote, useCanWrite, WriteOnly } from '../ui/write-access'

const SCOPES = ['read', 'write', 'admin'] as const
const keysKey = ['api-keys']

/** Without `revoke` (a viewer's page), a live key has no button. */
const keyColumns = (revoke?: (k: ApiKey) => void): Column<ApiKey>[] => [
  { head: 'Name', cell: (k) => k.name },
  { head: 'Key', cell: (k) => <code>{k.prefix}…</code> },
  { head: 'Scopes', cell: (k) => k.scopes.join(', ') },
  { head: 'Last used', cell: (k) => (k.lastUsedAt ? ago(k.lastUsedAt) : 'never') },
  { head: 'Expires', cell: (k) => (k.expiresAt ? dateTime(k.expiresAt) : 'never') },
  {
    head: <span className="sr-only">Actions</span>,
    cell: (k) =>
      k.revokedAt ? (
        <span className="badge badge-cancelled">Revoked</span>
      ) : (
        revoke && (
          <button
            type="button"
            className="button small danger"
            onClick={() => window.confirm(`Revoke “${k.name}”? Programs using it stop working at once.`) && revoke(k)}
          >
            Revoke<span className="sr-only"> {k.name}</span>
          </button>
        )
      ),
  },
]

export function ApiKeys() {
  const qc = useQueryClient()
  const keys = useQuery({ queryKey: keysKey, queryFn: () => unwrap(api.v1['api-keys'].get()) })
  const me = session.get()
  const role = me.status === 'signed-in' ? me.user.role : 'viewer'
  const canWrite = useCanWrite()
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<(typeof SCOPES)[number][]>(['read'])
  const [expiresInDays, setExpiresInDays] = useState('')
  const create = useMutation({
    mutationFn: () => unwrap(api.v1['api-keys'].post({ name, scopes, ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}) })),
    onSuccess: (created) => {
      const { key: _shownOnce, ...listed } = created
      qc.setQueryData(keysKey, (old: ApiKey[] | undefined) => [listed, ...(old ?? [])])
      setName('')
    },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.v1['api-keys']({ id }).delete()),
    // Optimistic: the key shows as revoked at once, and comes back if the core refuses.
    onMutate: async (id) => {
      await qc.cancelQueries({ queryKey: keysKey })
      const before = qc.getQueryData<ApiKey[]>(keysKey)
      qc.setQueryData(keysKey, (old: ApiKey[] | undefined) =>
        old?.map((k) => (k.id === id ? { ...k, revokedAt: new Date().toISOString() } : k)),
      )
      return { before }
    },
    onError: (_e, _id, ctx) => qc.setQueryData(keysKey, ctx?.before),
    onSettled: () => qc.invalidateQueries({ queryKey: keysKey }),
  })
  const problem = problemOf(create.error)

  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        For scripts and integrations: send <code>Authorization: Bearer ytk_…</code>. A key never has more rights than your role.
      </p>
      {create.data && (
        <ShownOnce title={`Your new key “${create.data.name}”. Copy it now: it is shown only this once.`} copy={create.data.key}>
          <p>
            <code className="secret" data-testid="new-api-key">
              {create.data.key}
            </code>
          </p>
        </ShownOnce>
      )}
      <WriteOnly fallback={<ReadOnlyNote />}>
        <FormCard
          id="new-key-h"
          title="Create a key"
          onSubmit={() => create.mutate()}
          problem={problem}
          fields={['name', 'scopes', 'expiresInDays']}
          busy={create.isPending}
          submitLabel="Create key"
        >
          <div className="grid-2">
            <TextField
              label="Name"
              name="name"
              problem={problem}
              hint="What uses it, e.g. nightly batch"
              required
              maxLength={100}
              value={name}
              onValue={setName}
            />
            <TextField
              label="Expires after (days, optional)"
              name="expiresInDays"
              problem={problem}
              type="number"
              min={1}
              max={3650}
              value={expiresInDays}
              onValue={setExpiresInDays}
            />
          </div>
          <fieldset className="fieldset">
            <legend>Scopes</legend>
            <Checkboxes values={SCOPES.filter((s) => s !== 'admin' || role === 'admin')} checked={scopes} onChange={setScopes} />
          </fieldset>
        </FormCard>
      </WriteOnly>
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Your keys</h2>
        <ProblemAlert problem={problemOf(revoke.error)} />
        <QueryView query={keys} empty={<Empty title="No API keys yet." />}>
          {(rows) => (
            <DataTable
              columns={keyColumns(canWrite ? (k) => revoke.mutate(k.id) : undefined)}
              rows={rows}
              rowKey={(k) => k.id}
              rowClass={(k) => (k.revokedAt ? 'revoked' : undefined)}
            />
          )}
        </QueryView>
      </section>
    </>
  )
}
