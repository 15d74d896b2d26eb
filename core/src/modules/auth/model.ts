import { ROLES } from '@ytempire/contract'
import { t } from 'elysia'
import { oneOf, strict, Uuid } from '../../http/schema'

export const Email = t.String({ format: 'email', maxLength: 254, description: 'Case-insensitively unique', examples: ['ada@example.com'] })
// The seed's policy: at least 12 characters including a special character (checked again in the service for a clearer message).
export const NewPassword = t.String({
  minLength: 12,
  maxLength: 256,
  description: 'At least 12 characters, including one special character',
})

export const RegisterBody = t.Object({ email: Email, password: NewPassword }, strict)
export const LoginBody = t.Object(
  {
    email: t.String({ maxLength: 254 }),
    password: t.String({ maxLength: 256 }),
    mfaCode: t.Optional(t.String({ pattern: '^[0-9]{6}$', description: 'TOTP code when MFA is on' })),
    recoveryCode: t.Optional(t.String({ maxLength: 32, description: 'A one-time recovery code instead of the TOTP code' })),
  },
  strict,
)
export const RefreshBody = t.Object({ refreshToken: t.String({ minLength: 20, maxLength: 200 }) }, strict)
export const LogoutBody = t.Optional(t.Object({ refreshToken: t.Optional(t.String({ maxLength: 200 })) }, strict))

export const MfaCodeBody = t.Object({ code: t.String({ pattern: '^[0-9]{6}$' }) }, strict)
export const MfaDisableBody = t.Object(
  {
    code: t.Optional(t.String({ pattern: '^[0-9]{6}$' })),
    recoveryCode: t.Optional(t.String({ maxLength: 32 })),
  },
  strict,
)

export const PublicUser = t.Object({
  id: Uuid,
  email: t.String(),
  role: oneOf(ROLES),
  plan: t.String(),
  mfaEnabled: t.Boolean(),
  createdAt: t.String(),
})

export const TokenPair = t.Object({
  tokenType: t.Literal('Bearer'),
  accessToken: t.String(),
  expiresIn: t.Number(),
  refreshToken: t.String(),
  refreshExpiresIn: t.Number(),
  user: PublicUser,
})
