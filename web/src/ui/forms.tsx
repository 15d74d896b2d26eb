// Form pieces that show the core's problem+json next to the fields it names.
import { type ChangeEvent, type FormEvent, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes, useId } from 'react'
import { fieldMessages, type Problem, unplacedErrors } from '../api/problem'
import { Card } from './bits'

export interface FieldLabel {
  label: string
  /** The field name as the core reports it (e.g. "email", "cadence.time", "videos.0.topic"). */
  name: string
  problem?: Problem
  hint?: ReactNode
}

interface FieldProps extends FieldLabel {
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

/** What a field's control does: show `value`, report each change as text. */
interface Bound {
  value: string | number
  onValue: (value: string) => void
}

type Own = 'id' | 'name' | 'value' | 'onChange' | 'children'

type InputAttrs = Omit<InputHTMLAttributes<HTMLInputElement>, Own> & { rows?: undefined }
type TextAreaAttrs = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, Own> & { rows: number }

/** A labelled `<input>` (a `<textarea>` when given `rows`) with its hint and the core's messages for it. */
export function TextField({ label, name, problem, hint, value, onValue, ...control }: FieldLabel & Bound & (InputAttrs | TextAreaAttrs)) {
  const onChange = (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onValue(e.target.value)
  return (
    <Field label={label} name={name} problem={problem} hint={hint}>
      {(p) =>
        control.rows === undefined ? (
          <input {...p} {...control} value={value} onChange={onChange} />
        ) : (
          <textarea {...p} {...control} value={value} onChange={onChange} />
        )
      }
    </Field>
  )
}

/** One `<option>` a value, showing its label where `labels` has one. */
export function Options({ values, labels }: { values: readonly string[]; labels?: Readonly<Record<string, string>> }) {
  return values.map((v) => (
    <option key={v} value={v}>
      {labels?.[v] ?? v}
    </option>
  ))
}

/**
 * A labelled `<select>` of `options`. With `unset`, a first option of that text stands for "no choice"
 * (the channel's default) and reports the empty string.
 */
export function SelectField<V extends string, U extends string | undefined = undefined>({
  label,
  name,
  problem,
  hint,
  value,
  onValue,
  options,
  labels,
  unset,
}: FieldLabel & {
  value: string
  onValue: (value: U extends string ? V | '' : V) => void
  options: readonly V[]
  labels?: Readonly<Record<string, string>>
  unset?: U
}) {
  return (
    <Field label={label} name={name} problem={problem} hint={hint}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onValue(e.target.value as U extends string ? V | '' : V)}>
          {unset !== undefined && <option value="">{unset}</option>}
          <Options values={options} labels={labels} />
        </select>
      )}
    </Field>
  )
}

/**
 * Fields over one object of values: `{...bind('niche')}` gives a field its name (the key, or the name
 * the core reports it by), the form's problem, the value and its setter.
 */
export function binder<F>(values: F, set: <K extends keyof F>(key: K, value: F[K]) => void, problem: Problem | undefined) {
  return <K extends keyof F & string>(key: K, name: string = key) => ({
    name,
    problem,
    value: values[key],
    onValue: (value: F[K]) => set(key, value),
  })
}

/** A card holding one form: its heading, the core's problem with the fields no field shows, and its submit button. */
export function FormCard({
  id,
  title,
  onSubmit,
  problem,
  fields,
  busy,
  submitLabel,
  children,
}: {
  id: string
  title: string
  onSubmit: () => void
  problem: Problem | undefined
  fields: readonly string[]
  busy: boolean
  submitLabel: string
  children: ReactNode
}) {
  return (
    <Card id={id} title={title}>
      <form className="form" onSubmit={onSubmitRun(onSubmit)} noValidate>
        <ProblemAlert problem={problem} fields={fields} />
        {children}
        <Submit busy={busy}>{submitLabel}</Submit>
      </form>
    </Card>
  )
}

/** A checkbox a value, ticked when in `checked`; a click reports the new list (a newly ticked value last). */
export function Checkboxes<V extends string>({
  values,
  checked,
  onChange,
  label = (v) => v,
}: {
  values: readonly V[]
  checked: readonly V[]
  onChange: (checked: V[]) => void
  label?: (value: V) => ReactNode
}) {
  return values.map((v) => (
    <label key={v} className="check">
      <input
        type="checkbox"
        checked={checked.includes(v)}
        onChange={() => onChange(checked.includes(v) ? checked.filter((x) => x !== v) : [...checked, v])}
      />{' '}
      {label(v)}
    </label>
  ))
}

/** A form's submit handler: the browser does not post it, `run` sends it. */
export const onSubmitRun = (run: () => void) => (e: FormEvent) => {
  e.preventDefault()
  run()
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
