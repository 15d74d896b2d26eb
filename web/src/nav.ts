// The app's sections, in one list: the nav bar and the router both read it. Sections whose core module has
// not landed yet are listed as upcoming; their page says so and shows no data.
export interface Section {
  to: '/' | '/channels' | '/videos' | '/videos/new' | '/api-keys' | '/security' | '/admin' | '/analytics' | '/billing' | '/webhooks'
  label: string
  adminOnly?: boolean
  /** A page only for those who may write; not offered to a viewer. */
  writeOnly?: boolean
  /** The core module this section waits for; set while it does not exist. */
  upcoming?: string
}

export const SECTIONS: Section[] = [
  { to: '/', label: 'Overview' },
  { to: '/channels', label: 'Channels' },
  { to: '/videos', label: 'Videos' },
  { to: '/videos/new', label: 'New video', writeOnly: true },
  { to: '/api-keys', label: 'API keys' },
  { to: '/security', label: 'Security' },
  { to: '/billing', label: 'Billing' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/admin', label: 'Admin', adminOnly: true },
  { to: '/analytics', label: 'Analytics' },
]
