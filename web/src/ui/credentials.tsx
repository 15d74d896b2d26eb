// The fields of an account's secrets, alike on sign-up, sign-in and the security page, so password
// managers and phones recognise them (autocomplete, the numeric keyboard for codes).
import { type FieldLabel, TextField } from './forms'

interface SecretFieldProps extends FieldLabel {
  required?: boolean
  value: string
  onValue: (value: string) => void
}

/** The core's password rule, said where a password is chosen. */
const NEW_PASSWORD_HINT = 'At least 12 characters, including one that is not a letter or digit.'

/** The account's current password, or (`fresh`) a new one, with the rule it must meet. */
export function PasswordField({ fresh = false, ...field }: SecretFieldProps & { fresh?: boolean }) {
  return fresh ? (
    <TextField hint={NEW_PASSWORD_HINT} {...field} type="password" autoComplete="new-password" minLength={12} />
  ) : (
    <TextField {...field} type="password" autoComplete="current-password" />
  )
}

/** A 6-digit code from the authenticator app, or (`recovery`) one of the saved recovery codes. */
export function OneTimeCodeField({ recovery = false, ...field }: SecretFieldProps & { recovery?: boolean }) {
  return (
    <TextField
      {...field}
      inputMode={recovery ? 'text' : 'numeric'}
      autoComplete="one-time-code"
      pattern={recovery ? undefined : '[0-9]{6}'}
    />
  )
}
