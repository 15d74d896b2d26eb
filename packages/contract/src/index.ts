// @ytempire/contract: safe to import from core, render and edge (no runtime dependencies).
export * from './rate-limits'
export * from './values'
export * from './youtube'
