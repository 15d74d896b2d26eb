// @ytempire/contract/queue: the BullMQ side of the contract (imports bullmq and ioredis).
export * from './dead-letters'
export * from './dispatch'
export * from './event-consumer'
export * from './event-reporter'
export * from './flow'
export * from './pipeline-client'
export * from './queue-figures'
export * from './queues'
