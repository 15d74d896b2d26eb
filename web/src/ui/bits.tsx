import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { type Problem, problemOf } from '../api/problem'

/** A card of the page, named by its heading. */
export function Card({ id, title, children }: { id: string; title: ReactNode; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  )
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" aria-live="polite">
      {what}…
    </p>
  )
}

/** A query's failure, with a way to try again. */
export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const p: Problem | undefined = problemOf(error)
  return (
    <div className="alert alert-error" role="alert">
      <strong>{p?.title ?? 'Could not load this'}</strong>
      {p?.detail && <p>{p.detail}</p>}
      {retry && (
        <button type="button" className="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

/**
 * A query's data once it is there: until then its loading line or its failure (with "Try again" unless
 * `retry` is false), and `empty` in place of the data when it is an empty list (or `isEmpty` says so).
 */
export function QueryView<T>({
  query,
  loading,
  retry = true,
  empty,
  isEmpty = (data) => Array.isArray(data) && data.length === 0,
  children,
}: {
  query: UseQueryResult<T>
  loading?: string
  retry?: boolean
  empty?: ReactNode
  isEmpty?: (data: T) => boolean
  children: (data: T) => ReactNode
}) {
  if (query.isPending) return <Loading what={loading} />
  if (query.isError) return <LoadError error={query.error} retry={retry ? () => query.refetch() : undefined} />
  if (empty !== undefined && isEmpty(query.data)) return empty
  return children(query.data)
}

const STATUS_LABEL: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  pending: 'Waiting',
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{STATUS_LABEL[status] ?? status}</span>
}

/** A secret the core shows only once (a new key, a signing secret, recovery codes), with a way to copy it. */
export function ShownOnce({
  title,
  copy,
  copyLabel = 'Copy',
  children,
}: {
  title: ReactNode
  copy?: string
  copyLabel?: string
  children: ReactNode
}) {
  return (
    <div className="alert alert-ok" role="status">
      <strong>{title}</strong>
      {children}
      {copy !== undefined && (
        <button type="button" className="button" onClick={() => navigator.clipboard?.writeText(copy)}>
          {copyLabel}
        </button>
      )}
    </div>
  )
}

export function Progress({ value, label }: { value: number; label: string }) {
  return (
    <div className="progress">
      <progress max={100} value={value} aria-label={label} />
      <span className="progress-value">{Math.round(value)} %</span>
    </div>
  )
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 })
/** Dollars; sub-cent amounts (per-character and per-second prices) keep their significant digits. */
const tinyUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 })
export const money = (n: number) => (n !== 0 && Math.abs(n) < 0.01 ? tinyUsd.format(n) : usd.format(n))

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
export function ago(iso: string | null | undefined): string {
  if (!iso) return '—'
  const s = (new Date(iso).getTime() - Date.now()) / 1000
  const abs = Math.abs(s)
  if (abs < 60) return relative.format(Math.round(s), 'second')
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute')
  if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour')
  return relative.format(Math.round(s / 86400), 'day')
}

export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—')

export function bytes(n: number | null | undefined): string {
  if (n == null) return '—'
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

export const seconds = (s: number | null | undefined) => (s == null ? '—' : `${s.toFixed(1)} s`)

/** How much of a limit is used, as a meter with its figures. */
export function Usage({
  label,
  used,
  limit,
  format = String,
}: {
  label: string
  used: number
  limit: number
  format?: (n: number) => string
}) {
  return (
    <div className="usage">
      <div className="usage-head">
        <span>{label}</span>
        <span>
          {format(used)} of {format(limit)}
        </span>
      </div>
      <meter
        min={0}
        max={Math.max(limit, 1)}
        value={used}
        high={limit * 0.8}
        optimum={0}
        aria-label={`${label}: ${format(used)} of ${format(limit)}`}
      />
    </div>
  )
}
