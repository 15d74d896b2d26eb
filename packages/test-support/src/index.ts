export * from './redis-prefix'
export * from './wait-until'
