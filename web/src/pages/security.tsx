import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { meQuery } from '../api/queries'
import { api, signOut, updateUser } from '../api/session'
import type { AuditEvent } from '../api/types'
import { ago, Card, dateTime, Empty, QueryView, ShownOnce } from '../ui/bits'
import { OneTimeCodeField, PasswordField } from '../ui/credentials'
import { FormCard, onSubmitRun, ProblemAlert, Submit } from '../ui/forms'
import { QrCode } from '../ui/qr-code'
import { type Column, DataTable } from '../ui/table'

export function Security() {
  return (
    <>
      <h1>Security</h1>
      <TwoFactor />
      <PasswordChange />
      <Sessions />
      <AuditLog />
      <YourData />
    </>
  )
}

function useMe() {
  return useQuery(meQuery)
}

function TwoFactor() {
  const qc = useQueryClient()
  const me = useMe()
  const [code, setCode] = useState('')
  const [useRecovery, setUseRecovery] = useState(false)
  const enroll = useMutation({ mutationFn: () => unwrap(api.v1.auth.mfa.enroll.post()) })
  const confirm = useMutation({
    mutationFn: () => unwrap(api.v1.auth.mfa.confirm.post({ code: code.trim() })),
    onSuccess: async () => {
      setCode('')
      enroll.reset()
      updateUser(await qc.fetchQuery({ ...meQuery, staleTime: 0 }))
    },
  })
  const disable = useMutation({
    mutationFn: () => unwrap(api.v1.auth.mfa.disable.post(useRecovery ? { recoveryCode: code.trim() } : { code: code.trim() })),
    onSuccess: async () => {
      setCode('')
      confirm.reset()
      updateUser(await qc.fetchQuery({ ...meQuery, staleTime: 0 }))
    },
  })
  return (
    <Card id="mfa-h" title="Two-factor authentication">
      <QueryView query={me} retry={false}>
        {(user) => (
          <>
            {confirm.data && (
              <ShownOnce
                title="Two-factor authentication is on. Save these recovery codes now: each signs you in once if you lose your phone, and they are shown only this once."
                copy={confirm.data.recoveryCodes.join('\n')}
                copyLabel="Copy codes"
              >
                <ul className="codes" data-testid="recovery-codes">
                  {confirm.data.recoveryCodes.map((c) => (
                    <li key={c}>
                      <code>{c}</code>
                    </li>
                  ))}
                </ul>
              </ShownOnce>
            )}
            {user.mfaEnabled ? (
              <form className="form" onSubmit={onSubmitRun(() => disable.mutate())} noValidate>
                <p>
                  <span className="badge badge-completed">On</span> Sign-in asks for a code from your authenticator app.
                </p>
                <ProblemAlert problem={problemOf(disable.error)} fields={['code', 'recoveryCode']} />
                <OneTimeCodeField
                  recovery={useRecovery}
                  label={useRecovery ? 'A recovery code' : 'A current code'}
                  name={useRecovery ? 'recoveryCode' : 'code'}
                  problem={problemOf(disable.error)}
                  value={code}
                  onValue={setCode}
                />
                <button type="button" className="link-button" onClick={() => setUseRecovery(!useRecovery)}>
                  {useRecovery ? 'Use the authenticator code instead' : 'Use a recovery code instead'}
                </button>
                <Submit busy={disable.isPending} className="button danger">
                  Turn two-factor authentication off
                </Submit>
              </form>
            ) : enroll.data ? (
              <form className="form" onSubmit={onSubmitRun(() => confirm.mutate())} noValidate>
                <ol className="steps">
                  <li>
                    Scan this QR code with your authenticator app (on this phone, <a href={enroll.data.otpauthUri}>open this link</a>{' '}
                    instead):
                    <QrCode value={enroll.data.otpauthUri} label="QR code that adds ytempire to your authenticator app" />
                    Can’t scan it? Enter this key in the app:{' '}
                    <code className="secret" data-testid="mfa-secret">
                      {enroll.data.secret}
                    </code>
                  </li>
                  <li>Type the 6-digit code the app shows.</li>
                </ol>
                <ProblemAlert problem={problemOf(confirm.error)} fields={['code']} />
                <OneTimeCodeField label="Code" name="code" problem={problemOf(confirm.error)} value={code} onValue={setCode} />
                <Submit busy={confirm.isPending}>Turn on</Submit>
              </form>
            ) : (
              <>
                <p>
                  <span className="badge badge-cancelled">Off</span> Protect the account with a code from an authenticator app (TOTP).
                </p>
                <ProblemAlert problem={problemOf(enroll.error)} />
                <button type="button" className="button primary" onClick={() => enroll.mutate()} disabled={enroll.isPending}>
                  Set up two-factor authentication
                </button>
              </>
            )}
          </>
        )}
      </QueryView>
    </Card>
  )
}

function PasswordChange() {
  const [currentPassword, setCurrent] = useState('')
  const [newPassword, setNew] = useState('')
  const change = useMutation({
    mutationFn: () => unwrap(api.v1.me.password.post({ currentPassword, newPassword })),
    onSuccess: () => {
      setCurrent('')
      setNew('')
    },
  })
  const problem = problemOf(change.error)
  return (
    <FormCard
      id="password-h"
      title="Password"
      onSubmit={() => change.mutate()}
      problem={problem}
      fields={['currentPassword', 'newPassword']}
      busy={change.isPending}
      submitLabel="Change password"
    >
      {change.isSuccess && (
        <p className="alert alert-ok" role="status">
          Password changed. Your other sessions were signed out.
        </p>
      )}
      <div className="grid-2">
        <PasswordField label="Current password" name="currentPassword" problem={problem} value={currentPassword} onValue={setCurrent} />
        <PasswordField fresh label="New password" name="newPassword" problem={problem} value={newPassword} onValue={setNew} />
      </div>
    </FormCard>
  )
}

function Sessions() {
  const qc = useQueryClient()
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: () => unwrap(api.v1.me.sessions.get()) })
  const end = useMutation({
    mutationFn: (id: string) => unwrap(api.v1.me.sessions({ id }).delete()),
    onSettled: () => qc.invalidateQueries({ queryKey: ['sessions'] }),
  })
  return (
    <Card id="sessions-h" title="Signed-in sessions">
      <ProblemAlert problem={problemOf(end.error)} />
      <QueryView query={sessions} retry={false}>
        {(rows) => (
          <ul className="list">
            {rows.map((s) => (
              <li key={s.id} className="row">
                <div>
                  <strong>{s.current ? 'This browser' : `Session from ${s.ip ?? 'an unknown address'}`}</strong>
                  <div className="muted small">
                    started {dateTime(s.createdAt)} · last used {ago(s.lastUsedAt)}
                  </div>
                </div>
                {!s.current && (
                  <button type="button" className="button small danger" onClick={() => end.mutate(s.id)}>
                    Sign out<span className="sr-only"> the session from {s.ip}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  )
}

const AUDIT_PAGE = 50
const AUDIT_COLUMNS: Column<AuditEvent>[] = [
  { head: 'When', cell: (a) => dateTime(a.createdAt) },
  { head: 'Event', cell: (a) => a.type.replace(/[._]/g, ' ') },
  { head: 'From', cell: (a) => a.ip ?? '—' },
]

function AuditLog() {
  const [before, setBefore] = useState<number | undefined>()
  const audit = useQuery({
    queryKey: ['audit', before],
    queryFn: () => unwrap(api.v1.me.audit.get({ query: { limit: AUDIT_PAGE, ...(before ? { before } : {}) } })),
  })
  return (
    <Card id="audit-h" title="Security events">
      <QueryView query={audit} retry={false} empty={<Empty title="No events." />}>
        {(rows) => (
          <>
            <DataTable compact columns={AUDIT_COLUMNS} rows={rows} rowKey={(a) => String(a.id)} />
            <div className="pager">
              {before && (
                <button type="button" className="button" onClick={() => setBefore(undefined)}>
                  Newest
                </button>
              )}
              {rows.length === AUDIT_PAGE && (
                <button type="button" className="button" onClick={() => setBefore(rows[rows.length - 1]!.id)}>
                  Older
                </button>
              )}
            </div>
          </>
        )}
      </QueryView>
    </Card>
  )
}

function YourData() {
  const navigate = useNavigate()
  const [password, setPassword] = useState('')
  const exportData = useMutation({
    mutationFn: () => unwrap(api.v1.me.export.get()),
    onSuccess: (data) => {
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
      const a = document.createElement('a')
      a.href = url
      a.download = 'ytempire-export.json'
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    },
  })
  const erase = useMutation({
    mutationFn: () => unwrap(api.v1.me.delete({ password })),
    onSuccess: async () => {
      await signOut().catch(() => undefined)
      navigate({ to: '/sign-in' })
    },
  })
  const submit = onSubmitRun(() => {
    if (window.confirm('Delete your account, channels, videos and files for good?')) erase.mutate()
  })
  return (
    <Card id="data-h" title="Your data">
      <p>Everything held about you (account, sessions, keys, security events, channels, videos, costs, uploads) as one JSON file.</p>
      <ProblemAlert problem={problemOf(exportData.error)} />
      <button type="button" className="button" onClick={() => exportData.mutate()} disabled={exportData.isPending}>
        {exportData.isPending ? 'Preparing…' : 'Export my data'}
      </button>
      <form className="form danger-zone" onSubmit={submit} noValidate>
        <h3>Delete my account</h3>
        <p>Deletes the account and all its data, including every video file. This cannot be undone.</p>
        <ProblemAlert problem={problemOf(erase.error)} fields={['password']} />
        <PasswordField label="Your password" name="password" problem={problemOf(erase.error)} value={password} onValue={setPassword} />
        <Submit busy={erase.isPending} className="button danger">
          Delete my account
        </Submit>
      </form>
    </Card>
  )
}
