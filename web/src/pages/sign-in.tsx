import { useMutation } from '@tanstack/react-query'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { useState } from 'react'
import { ProblemError, problemOf } from '../api/problem'
import { signIn } from '../api/session'
import { OneTimeCodeField, PasswordField } from '../ui/credentials'
import { onSubmitRun, ProblemAlert, Submit, TextField } from '../ui/forms'

type Step = 'password' | 'code' | 'recovery'

export function SignIn() {
  const navigate = useNavigate()
  const { next, ended } = useSearch({ from: '/sign-in' })
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [step, setStep] = useState<Step>('password')
  const login = useMutation({
    mutationFn: () =>
      signIn({
        email,
        password,
        ...(step === 'code' ? { mfaCode: code.trim() } : {}),
        ...(step === 'recovery' ? { recoveryCode: code.trim() } : {}),
      }),
    onSuccess: () => navigate({ to: next?.startsWith('/') && !next.startsWith('//') ? next : '/' }),
    onError: (err) => {
      if (err instanceof ProblemError && err.kind === 'mfa-required') {
        setStep('code')
        login.reset()
      }
    },
  })
  const problem = problemOf(login.error)

  return (
    <main className="auth-page" id="main">
      <h1>Sign in to ytempire</h1>
      {ended && step === 'password' && (
        <p className="alert alert-info" role="status">
          Your session ended; sign in again.
        </p>
      )}
      <form onSubmit={onSubmitRun(() => login.mutate())} className="card form" noValidate>
        <ProblemAlert problem={problem} fields={['email', 'password', 'mfaCode', 'recoveryCode']} />
        {step === 'password' ? (
          <>
            <TextField
              label="E-mail"
              name="email"
              problem={problem}
              type="email"
              autoComplete="username"
              required
              value={email}
              onValue={setEmail}
            />
            <PasswordField label="Password" name="password" problem={problem} required value={password} onValue={setPassword} />
          </>
        ) : (
          <>
            <p>
              Two-factor authentication is on for <strong>{email}</strong>.
            </p>
            <OneTimeCodeField
              recovery={step === 'recovery'}
              label={step === 'code' ? 'Code from your authenticator app' : 'Recovery code'}
              name={step === 'code' ? 'mfaCode' : 'recoveryCode'}
              problem={problem}
              hint={step === 'code' ? '6 digits' : 'One of the ten codes you saved, like abcd-efgh-jkmn; each works once'}
              required
              value={code}
              onValue={setCode}
            />
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setStep(step === 'code' ? 'recovery' : 'code')
                setCode('')
                login.reset()
              }}
            >
              {step === 'code' ? 'Use a recovery code instead' : 'Use the authenticator code instead'}
            </button>
          </>
        )}
        <Submit busy={login.isPending}>{step === 'password' ? 'Sign in' : 'Verify and sign in'}</Submit>
      </form>
      <p>
        New here? <Link to="/sign-up">Create an account</Link>
      </p>
    </main>
  )
}
