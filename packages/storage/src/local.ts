import { copyFile, stat as fsStat, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { deferredStream } from './deferred-stream'
import { ObjectNotFoundError } from './errors'
import { assertValidKey, assertValidPrefix, contentTypeForKey } from './keys'
import { sliceBounds } from './range'
import type { ByteRange, ListedObject, Storage, StorageBody, StoredObject } from './storage'

// Keys never contain a backslash (keys.ts), so a name with one is never an object: half-written
// files and content-type side files live beside their object under such names.
const PARTIAL = '\\partial-'
const TYPE_FILE = '\\content-type'

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException).code ?? '')

/**
 * Objects as plain files under one directory. Writes go to a temp file and are renamed into place, so
 * readers never see half an object. A content type other than the one the key's extension implies is
 * kept in a side file.
 */
export class LocalStorage implements Storage {
  readonly kind = 'local' as const
  private readonly root: string

  constructor(dir: string) {
    this.root = resolve(dir)
  }

  private pathOf(key: string): string {
    assertValidKey(key)
    return join(this.root, key)
  }

  async put(key: string, body: StorageBody, contentType?: string): Promise<StoredObject> {
    // Bun writes a Response body to the file as it arrives. (The cast: the web app's DOM typings, which also
    // compile this file through the core's App type, do not take a Uint8Array over a shared buffer.)
    return this.replace(key, contentType, (tmp) => Bun.write(tmp, new Response(body as ConstructorParameters<typeof Response>[0])))
  }

  async putFile(key: string, source: string, contentType?: string): Promise<StoredObject> {
    return this.replace(key, contentType, (tmp) => copyFile(source, tmp))
  }

  async get(key: string): Promise<Uint8Array> {
    const path = this.pathOf(key)
    try {
      return await Bun.file(path).bytes()
    } catch (err) {
      throw isMissing(err) ? new ObjectNotFoundError(key, { cause: err }) : err
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key)
    const s = await fsStat(path).catch((err) => (isMissing(err) ? null : Promise.reject(err)))
    if (!s?.isFile()) return null
    return { key, size: s.size, contentType: await this.typeOf(key, path), lastModified: s.mtime }
  }

  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array> {
    const path = this.pathOf(key)
    return deferredStream(
      async () => {
        const s = await fsStat(path)
        if (!s.isFile()) throw new ObjectNotFoundError(key)
        const file = Bun.file(path)
        return range ? file.slice(...sliceBounds(range, s.size)).stream() : file.stream()
      },
      (err) => (isMissing(err) ? new ObjectNotFoundError(key, { cause: err }) : err),
    )
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key)
    await Promise.all([rm(path, { force: true }), rm(path + TYPE_FILE, { force: true })]).catch((err) =>
      isMissing(err) ? undefined : Promise.reject(err),
    )
  }

  async deletePrefix(prefix: string): Promise<number> {
    let count = 0
    for await (const _ of this.list(prefix)) count++
    await rm(join(this.root, prefix), { recursive: true, force: true })
    return count
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix)
    const dir = join(this.root, prefix)
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err) => (isMissing(err) ? [] : Promise.reject(err)))
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.includes('\\')) continue
      const path = join(entry.parentPath, entry.name)
      const s = await fsStat(path).catch((err) => (isMissing(err) ? null : Promise.reject(err)))
      if (s) yield { key: relative(this.root, path).split(sep).join('/'), size: s.size, lastModified: s.mtime }
    }
  }

  async toLocalFile(key: string, _dir: string): Promise<string> {
    const path = this.pathOf(key)
    if (!(await this.stat(key))) throw new ObjectNotFoundError(key)
    return path
  }

  private async replace(key: string, contentType: string | undefined, write: (tmp: string) => Promise<unknown>): Promise<StoredObject> {
    const path = this.pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}${PARTIAL}${crypto.randomUUID()}`
    try {
      await write(tmp)
      if (contentType && contentType !== contentTypeForKey(key)) {
        await Bun.write(`${tmp}${TYPE_FILE}`, contentType)
        await rename(`${tmp}${TYPE_FILE}`, path + TYPE_FILE)
      } else {
        await rm(path + TYPE_FILE, { force: true })
      }
      await rename(tmp, path)
    } catch (err) {
      await Promise.all([rm(tmp, { force: true }), rm(`${tmp}${TYPE_FILE}`, { force: true })])
      throw err
    }
    const s = await fsStat(path)
    return { key, size: s.size, contentType: contentType ?? contentTypeForKey(key), lastModified: s.mtime }
  }

  private async typeOf(key: string, path: string): Promise<string> {
    const side = Bun.file(path + TYPE_FILE)
    return (await side.exists()) ? (await side.text()).trim() : contentTypeForKey(key)
  }
}
