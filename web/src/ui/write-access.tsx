// Whether the signed-in user may change anything. The core answers every write of a viewer with 403,
// so a viewer is shown no control that would only lead there.
import type { Role } from '@ytempire/contract'
import { type ReactNode, useSyncExternalStore } from 'react'
import { session } from '../api/session'

export const READ_ONLY_NOTE = 'Viewers can read but not change anything; ask an admin for the member role.'

/** The core's rule: every role but viewer may write (admin-only routes are guarded on their own). */
export function canWrite(role: Role): boolean {
  return role !== 'viewer'
}

/** True while the signed-in user may write; false for a viewer, and while no one is signed in. */
export function useCanWrite(): boolean {
  const state = useSyncExternalStore(session.subscribe, session.get)
  return state.status === 'signed-in' && canWrite(state.user.role)
}

/** Its children for a user who may write; for a viewer, nothing, or `fallback` (e.g. the read-only note). */
export function WriteOnly({ children, fallback = null }: { children: ReactNode; fallback?: ReactNode }) {
  return useCanWrite() ? children : fallback
}

/** Said where a page's purpose is a form a viewer cannot send. */
export function ReadOnlyNote() {
  return (
    <p className="alert alert-info" data-testid="read-only-note">
      {READ_ONLY_NOTE}
    </p>
  )
}
