import { useQueryClient } from '@tanstack/react-query'
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router'
import { useEffect, useState, useSyncExternalStore } from 'react'
import { session, signOut } from '../api/session'
import { SECTIONS } from '../nav'
import { canWrite } from '../ui/write-access'

/** The signed-in frame: skip link, header with the sections, the page. */
export function Shell() {
  const state = useSyncExternalStore(session.subscribe, session.get)
  const navigate = useNavigate()
  const qc = useQueryClient()
  const [menuOpen, setMenuOpen] = useState(false)
  const path = useRouterState({ select: (s) => s.location.pathname })
  // biome-ignore lint/correctness/useExhaustiveDependencies: close the menu on every navigation
  useEffect(() => setMenuOpen(false), [path])
  useEffect(() => {
    // A session that ends while the app is open (expired, revoked elsewhere) leads back to sign-in.
    if (state.status === 'signed-out') {
      qc.clear()
      navigate({ to: '/sign-in', search: { next: path, ended: state.reason ? 1 : undefined } })
    }
  }, [state, navigate, qc, path])
  if (state.status !== 'signed-in') return null
  const user = state.user

  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          ytempire
        </Link>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Sections" className={menuOpen ? 'nav nav-open' : 'nav'}>
          <ul>
            {SECTIONS.filter((s) => (!s.adminOnly || user.role === 'admin') && (!s.writeOnly || canWrite(user.role))).map((s) => (
              <li key={s.to}>
                <Link
                  to={s.to}
                  activeOptions={{ exact: s.to === '/' || s.to === '/videos' }}
                  activeProps={{ 'aria-current': 'page', className: 'active' }}
                >
                  {s.label}
                  {s.upcoming && <span className="soon"> soon</span>}
                </Link>
              </li>
            ))}
          </ul>
          <div className="account">
            <span className="muted small" title={`Role: ${user.role}`}>
              {user.email}
            </span>
            <button
              type="button"
              className="button small"
              onClick={async () => {
                await signOut().catch(() => undefined)
                qc.clear()
              }}
            >
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  )
}

export function Upcoming({ label, module }: { label: string; module: string }) {
  return (
    <>
      <h1>{label}</h1>
      <div className="empty">
        <p className="empty-title">Not available on this installation yet.</p>
        <p>
          This page shows data from the {module} module of the core, which is still being built. It will appear here when it lands; nothing
          is shown until there is real data.
        </p>
      </div>
    </>
  )
}

export function NotFound() {
  return (
    <main className="page" id="main">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/">Go to the overview</Link>
      </p>
    </main>
  )
}
