// @ytempire/storage: artifact storage for core and render (Bun only, no other runtime dependency).
export { type S3StorageConfig, type StorageConfig, storageConfigFromEnv } from './config'
export { createStorage } from './create-storage'
export { ObjectNotFoundError, StorageKeyError } from './errors'
export { assertValidKey, assertValidPrefix, contentTypeForKey } from './keys'
export { LocalStorage } from './local'
export { S3Storage } from './s3'
export type { ByteRange, ListedObject, Storage, StorageBody, StoredObject } from './storage'
