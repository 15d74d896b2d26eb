import { useMutation } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { api, signIn } from '../api/session'
import { PasswordField } from '../ui/credentials'
import { onSubmitRun, ProblemAlert, Submit, TextField } from '../ui/forms'

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
  const problem = problemOf(register.error)
  return (
    <main className="auth-page" id="main">
      <h1>Create your ytempire account</h1>
      <form onSubmit={onSubmitRun(() => register.mutate())} className="card form" noValidate>
        <ProblemAlert problem={problem} fields={['email', 'password']} />
        <TextField
          label="E-mail"
          name="email"
          problem={problem}
          type="email"
          autoComplete="email"
          required
          value={email}
          onValue={setEmail}
        />
        <PasswordField fresh label="Password" name="password" problem={problem} required value={password} onValue={setPassword} />
        <Submit busy={register.isPending}>Create account</Submit>
      </form>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </main>
  )
}
