import type { Role } from '@ytempire/contract'

export type { Role }
export const SCOPES = ['read', 'write', 'admin'] as const
export type Scope = (typeof SCOPES)[number]
/** What a route needs: read (any role), write (member or admin), admin. */
export type Access = Scope

export interface Principal {
  userId: string
  role: Role
  scopes: Scope[]
  via: 'jwt' | 'api_key' | 'grant'
  sessionId?: string
  apiKeyId?: string
}

const ROLE_SCOPES: Record<Role, Scope[]> = { admin: ['read', 'write', 'admin'], member: ['read', 'write'], viewer: ['read'] }

export const roleAllowsScope = (role: Role, scope: Scope) => ROLE_SCOPES[role].includes(scope)

export function scopesFor(role: Role): Scope[] {
  return ROLE_SCOPES[role]
}
