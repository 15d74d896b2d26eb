// The one place the core reaches artifact storage (shared with the workers). It still lives in the
// render workspace; when it becomes its own package only this import changes.
export {
  type ByteRange,
  createStorage,
  type Storage,
  type StorageConfig,
  type StoredObject,
  storageConfigFromEnv,
} from '@ytempire/render/storage'
