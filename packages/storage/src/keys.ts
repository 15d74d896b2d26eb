import { StorageKeyError } from './errors'

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

/**
 * Keys are relative, slash-separated, without empty, `.` or `..` segments, backslashes or control
 * characters: they can never escape the store, mean the same on disk and in S3, and survive S3's
 * XML listings (XML 1.0 cannot carry most control characters).
 */
export function assertValidKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    hasControlCharacter(key) ||
    key.split('/').some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new StorageKeyError(`invalid storage key: ${JSON.stringify(key)}`)
  }
}

/**
 * A prefix is a folder: a valid key followed by `/`. The slash is required so that erasing
 * `uploads/u1/` can never take `uploads/u10/` with it.
 */
export function assertValidPrefix(prefix: string): void {
  if (!prefix.endsWith('/')) throw new StorageKeyError(`a storage prefix must end with "/": ${JSON.stringify(prefix)}`)
  assertValidKey(prefix.slice(0, -1))
}

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  flac: 'audio/flac',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  json: 'application/json',
  ass: 'text/x-ssa',
}

/** The content type an object gets when `put` is given none. */
export function contentTypeForKey(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return (dot > 0 && contentTypes[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream'
}
