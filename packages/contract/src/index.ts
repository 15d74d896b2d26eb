// @ytempire/contract: safe to import from core, render and edge (no runtime dependencies).

// The BullMQ helpers live behind `@ytempire/contract/queue`.
export * from './events'
export * from './installation'
export * from './jobs'
export * from './media-types'
export * from './pipeline'
export * from './plans'
export * from './public-address'
export * from './rate-limits'
export * from './security-headers'
export * from './storage-keys'
export * from './values'
export * from './youtube'
