// @ytempire/contract: safe to import from core, render and edge (no runtime dependencies).
export * from './plans'
export * from './public-address'
export * from './rate-limits'
export * from './values'
