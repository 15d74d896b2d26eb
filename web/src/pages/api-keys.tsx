import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api, session } from '../api/session'
import type { ApiKey } from '../api/types'
import { ago, dateTime, Empty, LoadError, Loading } from '../ui/bits'
import { Field, ProblemAlert, Submit } from '../ui/forms'

const SCOPES = ['read', 'write', 'admin'] as const
const keysKey = ['api-keys']

export function ApiKeys() {
  const qc = useQueryClient()
  const keys = useQuery({ queryKey: keysKey, queryFn: () => unwrap(api.v1['api-keys'].get()) })
  const me = session.get()
  const role = me.status === 'signed-in' ? me.user.role : 'viewer'
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
  const submit = (e: FormEvent) => {
    e.preventDefault()
    create.mutate()
  }
  const problem = problemOf(create.error)

  return (
    <>
      <h1>API keys</h1>
      <p className="muted">
        For scripts and integrations: send <code>Authorization: Bearer ytk_…</code>. A key never has more rights than your role.
      </p>
      {create.data && (
        <div className="alert alert-ok" role="status">
          <strong>Your new key “{create.data.name}”. Copy it now: it is shown only this once.</strong>
          <p>
            <code className="secret" data-testid="new-api-key">
              {create.data.key}
            </code>
          </p>
          <button type="button" className="button" onClick={() => navigator.clipboard?.writeText(create.data.key)}>
            Copy
          </button>
        </div>
      )}
      <section className="card" aria-labelledby="new-key-h">
        <h2 id="new-key-h">Create a key</h2>
        <form className="form" onSubmit={submit} noValidate>
          <ProblemAlert problem={problem} fields={['name', 'scopes', 'expiresInDays']} />
          <div className="grid-2">
            <Field label="Name" name="name" problem={problem} hint="What uses it, e.g. nightly batch">
              {(p) => <input {...p} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label="Expires after (days, optional)" name="expiresInDays" problem={problem}>
              {(p) => (
                <input {...p} type="number" min={1} max={3650} value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)} />
              )}
            </Field>
          </div>
          <fieldset className="fieldset">
            <legend>Scopes</legend>
            {SCOPES.filter((s) => s !== 'admin' || role === 'admin').map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={() => setScopes(scopes.includes(s) ? scopes.filter((x) => x !== s) : [...scopes, s])}
                />{' '}
                {s}
              </label>
            ))}
          </fieldset>
          <Submit busy={create.isPending}>Create key</Submit>
        </form>
      </section>
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">Your keys</h2>
        <ProblemAlert problem={problemOf(revoke.error)} />
        {keys.isPending ? (
          <Loading />
        ) : keys.error ? (
          <LoadError error={keys.error} retry={() => keys.refetch()} />
        ) : keys.data.length === 0 ? (
          <Empty title="No API keys yet." />
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.id} className={k.revokedAt ? 'revoked' : undefined}>
                    <td>{k.name}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{k.lastUsedAt ? ago(k.lastUsedAt) : 'never'}</td>
                    <td>{k.expiresAt ? dateTime(k.expiresAt) : 'never'}</td>
                    <td>
                      {k.revokedAt ? (
                        <span className="badge badge-cancelled">Revoked</span>
                      ) : (
                        <button
                          type="button"
                          className="button small danger"
                          onClick={() =>
                            window.confirm(`Revoke “${k.name}”? Programs using it stop working at once.`) && revoke.mutate(k.id)
                          }
                        >
                          Revoke<span className="sr-only"> {k.name}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  )
}
