import { describe, expect, test } from 'bun:test'
import { renderToStaticMarkup } from 'react-dom/server'
import { fieldMessages, type Problem, ProblemError, plain, problemOf, toProblem, unplacedErrors, unwrap } from '../../src/api/problem'
import { Field, ProblemAlert } from '../../src/ui/forms'

const PROBLEM: Problem = {
  type: 'https://ytempire.dev/problems/validation-error',
  title: 'Unprocessable Content',
  status: 422,
  detail: 'Invalid request body: script.scenes.0.narration, media.1',
  errors: [
    { field: 'script.scenes.0.narration', message: 'Expected string length greater or equal to 1' },
    { field: 'media.1', message: 'must be an http(s) URL or one of your keys' },
  ],
}

describe('problem+json in forms', () => {
  test('a field collects its own messages and those of the fields inside it', () => {
    expect(fieldMessages(PROBLEM, 'script.scenes.0.narration')).toEqual(['Required'])
    expect(fieldMessages(PROBLEM, 'script')).toEqual(['Required'])
    expect(fieldMessages(PROBLEM, 'scr')).toEqual([])
    expect(fieldMessages(undefined, 'script')).toEqual([])
  })

  test('errors no field shows are listed above the form', () => {
    expect(unplacedErrors(PROBLEM, ['script']).map((e) => e.field)).toEqual(['media.1'])
  })

  test('validator phrasing reads like a form', () => {
    expect(plain('Expected string length greater or equal to 12')).toBe('At least 12 characters')
    expect(plain('Expected string length less or equal to 100')).toBe('At most 100 characters')
    expect(plain('wrong password')).toBe('wrong password')
  })

  test('the field shows its error beside the input, marks it invalid and describes it by the error', () => {
    const html = renderToStaticMarkup(
      <Field label="Narration" name="script.scenes.0.narration" problem={PROBLEM} hint="What the voice says">
        {(p) => <textarea {...p} />}
      </Field>,
    )
    const errorId = html.match(/<p class="field-error" id="([^"]+)">Required<\/p>/)?.[1]
    expect(errorId).toBeString()
    expect(html).toContain('aria-invalid="true"')
    expect(html).toMatch(new RegExp(`aria-describedby="${errorId} [^"]+-hint"`))
    const fine = renderToStaticMarkup(
      <Field label="Title" name="title" problem={PROBLEM}>
        {(p) => <input {...p} />}
      </Field>,
    )
    expect(fine).toContain('aria-invalid="false"')
    expect(fine).not.toContain('field-error')
  })

  test('the alert names the fields the form does not show', () => {
    const html = renderToStaticMarkup(<ProblemAlert problem={PROBLEM} fields={['script']} />)
    expect(html).toContain('role="alert"')
    expect(html).toContain('<code>media.1</code>')
    expect(html).not.toContain('<code>script.scenes.0.narration</code>')
  })
})

describe('Eden results', () => {
  test('unwrap returns the data, or throws the core’s problem', async () => {
    expect(await unwrap(Promise.resolve({ data: { id: 1 }, error: null, status: 200 }))).toEqual({ id: 1 })
    const err = await unwrap(Promise.resolve({ data: null, error: { value: PROBLEM }, status: 422 })).catch((e) => e)
    expect(err).toBeInstanceOf(ProblemError)
    expect(err.kind).toBe('validation-error')
    expect(problemOf(err)).toEqual(PROBLEM)
  })

  test('a problem sent as text is parsed; a network failure says so', () => {
    expect(toProblem(401, JSON.stringify({ type: 'x/mfa-required', title: 'Unauthorized', status: 401 })).type).toBe('x/mfa-required')
    expect(toProblem(503, new TypeError('fetch failed')).title).toBe('Cannot reach the server')
    expect(toProblem(502, 'Bad gateway').detail).toBe('Bad gateway')
  })
})
