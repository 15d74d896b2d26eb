import { useMutation } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api, signIn } from '../api/session'
import { Field, ProblemAlert, Submit } from '../ui/forms'

export function SignUp() {
  const navigate = useNavigate()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const register = useMutation({
    mutationFn: async () => {
      await unwrap(api.v1.auth.register.post({ email, password }))
      await signIn({ email, password })
    },
    onSuccess: () => navigate({ to: '/' }),
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    register.mutate()
  }
  const problem = problemOf(register.error)
  return (
    <main className="auth-page" id="main">
      <h1>Create your ytempire account</h1>
      <form onSubmit={submit} className="card form" noValidate>
        <ProblemAlert problem={problem} fields={['email', 'password']} />
        <Field label="E-mail" name="email" problem={problem}>
          {(p) => <input {...p} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field
          label="Password"
          name="password"
          problem={problem}
          hint="At least 12 characters, including one that is not a letter or digit."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <Submit busy={register.isPending}>Create account</Submit>
      </form>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </main>
  )
}
