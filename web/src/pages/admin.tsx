import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { PLANS, ROLES } from '@ytempire/contract'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api, session } from '../api/session'
import type { AdminUser } from '../api/types'
import { Card, dateTime, Empty, QueryView } from '../ui/bits'
import { Options, ProblemAlert } from '../ui/forms'
import { type Column, DataTable } from '../ui/table'
import { QuotaCard } from './publishing'

type Role = (typeof ROLES)[number]

export function Admin() {
  return (
    <>
      <h1>Administration</h1>
      <QuotaCard />
      <Queues />
      <DeadLetters />
      <Users />
    </>
  )
}

function Queues() {
  const open = useMutation({
    mutationFn: () => unwrap(api.v1.auth.grants.post({ paths: ['/admin/queues'] })),
    // The board is its own page: the grant becomes a cookie scoped to it on the first request.
    onSuccess: (r) => window.open(r.grants[0]!.url, '_blank', 'noopener'),
  })
  return (
    <Card id="queues-h" title="Queues">
      <p>
        The pipeline’s BullMQ queues (script, voice, visuals, render, thumbnail, events, dead letters) and the core’s own (webhook
        deliveries, meter events, plan expiry) in bull-board: jobs, retries, pauses.
      </p>
      <ProblemAlert problem={problemOf(open.error)} />
      <button type="button" className="button primary" onClick={() => open.mutate()} disabled={open.isPending}>
        Open the queue board
      </button>
    </Card>
  )
}

function DeadLetters() {
  const qc = useQueryClient()
  const letters = useQuery({
    queryKey: ['dead-letters'],
    queryFn: () => unwrap(api.v1.admin['dead-letters'].get({ query: { limit: 50 } })),
  })
  const redrive = useMutation({
    mutationFn: (id: string) => unwrap(api.v1.admin['dead-letters']({ id }).redrive.post()),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['dead-letters'] }),
  })
  return (
    <Card id="dead-h" title="Dead letters">
      <p className="muted">
        Videos whose stage failed its last attempt. Re-drive runs them again from that stage (finished stages are reused).
      </p>
      <ProblemAlert problem={problemOf(redrive.error)} />
      <QueryView query={letters} empty={<Empty title="No dead letters: every video either finished or is still trying." />}>
        {(rows) => (
          <ul className="list">
            {rows.map((d) => (
              <li key={d.id} className="row">
                <div>
                  <Link to="/videos/$videoId" params={{ videoId: d.videoId }}>
                    {d.video.title ?? d.video.script?.title ?? d.videoId}
                  </Link>
                  <div className="small">
                    <strong>{d.stage}</strong> failed after {d.attempts} attempt(s), {dateTime(d.failedAt)}: {d.reason}
                  </div>
                </div>
                <button type="button" className="button small" disabled={redrive.isPending} onClick={() => redrive.mutate(d.id)}>
                  Re-drive
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  )
}

function Users() {
  const qc = useQueryClient()
  const [email, setEmail] = useState('')
  const users = useQuery({
    queryKey: ['admin-users', email],
    queryFn: () => unwrap(api.v1.admin.users.get({ query: { limit: 100, ...(email ? { email } : {}) } })),
  })
  const me = session.get()
  const setPlan = useMutation({
    mutationFn: (v: { id: string; plan: (typeof PLANS)[number] }) => unwrap(api.v1.admin.users({ id: v.id }).plan.patch({ plan: v.plan })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['admin-users'] }),
  })
  const setRole = useMutation({
    mutationFn: (v: { id: string; role: Role }) => unwrap(api.v1.admin.users({ id: v.id }).role.patch({ role: v.role })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['admin-users'] }),
  })
  const columns: Column<AdminUser>[] = [
    { head: 'E-mail', cell: (u) => u.email },
    {
      head: 'Plan',
      cell: (u) => (
        // Plans are set here while billing is off; with Stripe on, the core refuses and says so.
        <select
          aria-label={`Plan of ${u.email}`}
          value={u.plan}
          disabled={setPlan.isPending}
          onChange={(e) => setPlan.mutate({ id: u.id, plan: e.target.value as (typeof PLANS)[number] })}
        >
          <Options values={PLANS} />
        </select>
      ),
    },
    { head: '2FA', cell: (u) => (u.mfaEnabled ? 'on' : 'off') },
    { head: 'Since', cell: (u) => dateTime(u.createdAt) },
    {
      head: 'Role',
      cell: (u) => (
        <select
          aria-label={`Role of ${u.email}`}
          value={u.role}
          disabled={setRole.isPending || (me.status === 'signed-in' && me.user.id === u.id)}
          onChange={(e) => setRole.mutate({ id: u.id, role: e.target.value as Role })}
        >
          <Options values={ROLES} />
        </select>
      ),
    },
  ]
  return (
    <Card id="users-h" title="Users and roles">
      <p className="muted">A changed role takes effect at once: that user’s sessions end. Viewers can only read.</p>
      <label className="filters">
        Find by e-mail <input type="search" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <ProblemAlert problem={problemOf(setRole.error ?? setPlan.error)} />
      <QueryView query={users} retry={false} empty={<Empty title="No users match." />}>
        {(rows) => <DataTable columns={columns} rows={rows} rowKey={(u) => u.id} />}
      </QueryView>
    </Card>
  )
}
