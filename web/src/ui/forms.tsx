// Form pieces that show the core's problem+json next to the fields it names.
import { type ReactNode, useId } from 'react'
import { fieldMessages, type Problem, unplacedErrors } from '../api/problem'

interface FieldProps {
  label: string
  /** The field name as the core reports it (e.g. "email", "cadence.time", "videos.0.topic"). */
  name: string
  problem?: Problem
  hint?: ReactNode
  children: (props: { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode
}

export function Field({ label, name, problem, hint, children }: FieldProps) {
  const id = useId()
  const messages = fieldMessages(problem, name)
  const hintId = hint ? `${id}-hint` : undefined
  const errorId = messages.length ? `${id}-error` : undefined
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined
  return (
    <div className={messages.length ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': messages.length > 0, 'aria-describedby': describedBy })}
      {messages.length > 0 && (
        <p className="field-error" id={errorId}>
          {messages.join('; ')}
        </p>
      )}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  )
}

// The HTTP reason phrases said the way a person would.
const FRIENDLY_TITLE: Record<number, string> = {
  400: 'The request was refused',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible right now',
  422: 'Some values need a change',
  429: 'Too many requests: wait a moment',
  502: 'An outside service did not answer',
  503: 'Unavailable right now',
}

/** The problem's detail and any field errors that no field on the form shows. */
export function ProblemAlert({ problem, fields = [] }: { problem?: Problem; fields?: readonly string[] }) {
  if (!problem) return null
  const rest = unplacedErrors(problem, fields)
  const placed = (problem.errors?.length ?? 0) > rest.length
  return (
    <div className="alert alert-error" role="alert">
      <strong>{placed ? 'Some fields need a change' : (FRIENDLY_TITLE[problem.status] ?? problem.title)}</strong>
      {problem.detail && !placed && <p>{problem.detail}</p>}
      {placed && <p>Check the fields marked below.</p>}
      {rest.length > 0 && (
        <ul>
          {rest.map((e) => (
            <li key={e.field + e.message}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

export function Submit({ busy, children, className = 'button primary' }: { busy?: boolean; children: ReactNode; className?: string }) {
  return (
    <button type="submit" className={className} disabled={busy} aria-busy={busy}>
      {busy ? 'Working…' : children}
    </button>
  )
}
