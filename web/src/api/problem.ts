// Errors from the core are application/problem+json (RFC 9457) naming the offending fields; the forms
// show each field's messages next to that field and the rest above the form.

export interface FieldError {
  field: string
  message: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: FieldError[]
}

export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title)
  }
  /** The last segment of the problem type, e.g. "mfa-required". */
  get kind(): string {
    return this.problem.type.split('/').pop() ?? ''
  }
}

/** Turns whatever an Eden call failed with into a Problem (the core's body, or a network failure). */
export function toProblem(status: number, value: unknown): Problem {
  const body = typeof value === 'string' ? safeJson(value) : value
  if (body && typeof body === 'object' && 'title' in body && 'status' in body) return body as Problem
  if (status === 503 && value instanceof Error)
    return { type: 'network', title: 'Cannot reach the server', status: 0, detail: 'Check your connection and try again.' }
  return { type: 'unknown', title: `Request failed (${status})`, status, detail: typeof value === 'string' ? value : undefined }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The data of an Eden call, or a thrown ProblemError: what TanStack Query's queries and mutations expect.
 * `data` may legitimately be empty (204), so only `error` decides.
 */
export async function unwrap<T>(
  call: Promise<{ data: T; error: null; status: number } | { data: null; error: { value: unknown }; status: number }>,
): Promise<T> {
  const r = await call
  if (r.error) throw new ProblemError(toProblem(r.status, r.error.value))
  return r.data as T
}

/** Messages for one field (and the fields inside it: "script" also collects "script.scenes.0.narration"). */
export function fieldMessages(problem: Problem | undefined, field: string): string[] {
  return (problem?.errors ?? []).filter((e) => e.field === field || e.field.startsWith(`${field}.`)).map((e) => plain(e.message))
}

/** Schema-validator phrasing, said the way a form says it. */
export function plain(message: string): string {
  if (/^Expected string length greater or equal to 1$/.test(message)) return 'Required'
  const min = message.match(/^Expected string length greater or equal to (\d+)$/)
  if (min) return `At least ${min[1]} characters`
  const max = message.match(/^Expected string length less or equal to (\d+)$/)
  if (max) return `At most ${max[1]} characters`
  return message
}

/** Field errors that no field on the form shows: they go above the form with the detail. */
export function unplacedErrors(problem: Problem | undefined, shown: readonly string[]): FieldError[] {
  return (problem?.errors ?? []).filter((e) => !shown.some((f) => e.field === f || e.field.startsWith(`${f}.`)))
}

export const problemOf = (error: unknown): Problem | undefined =>
  error instanceof ProblemError
    ? error.problem
    : error
      ? { type: 'client', title: 'Something went wrong', status: 0, detail: String((error as Error).message ?? error) }
      : undefined
