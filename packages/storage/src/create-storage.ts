import type { StorageConfig } from './config'
import { LocalStorage } from './local'
import { S3Storage } from './s3'
import type { Storage } from './storage'

/** The one place that picks an implementation. */
export function createStorage(config: StorageConfig): Storage {
  return config.kind === 's3' ? new S3Storage(config) : new LocalStorage(config.dir)
}
