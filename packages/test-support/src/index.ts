export * from './media'
export * from './redis-prefix'
export * from './tcp-proxy'
export * from './wait-until'
