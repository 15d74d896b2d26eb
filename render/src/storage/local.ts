import { copyFile, stat as fsStat, mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { assertValidKey, type ByteRange, contentTypeForKey, type Storage, type StoredObject } from './storage'

/** Objects as plain files under one directory; writes go through a temp file and a rename. */
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

  async put(key: string, body: Uint8Array | ArrayBuffer | Blob | string, contentType?: string): Promise<StoredObject> {
    const path = this.pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`
    await Bun.write(tmp, body)
    await rename(tmp, path)
    return this.described(key, path, contentType)
  }

  async putFile(key: string, source: string, contentType?: string): Promise<StoredObject> {
    const path = this.pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`
    await copyFile(source, tmp)
    await rename(tmp, path)
    return this.described(key, path, contentType)
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await Bun.file(this.pathOf(key)).arrayBuffer())
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      return await this.described(key, this.pathOf(key))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }

  stream(key: string, range?: ByteRange): ReadableStream<Uint8Array> {
    const file = Bun.file(this.pathOf(key))
    if (!range) return file.stream()
    return file.slice(range.start, range.end === undefined ? undefined : range.end + 1).stream()
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true })
  }

  async toLocalFile(key: string): Promise<string> {
    const path = this.pathOf(key)
    await fsStat(path)
    return path
  }

  private async described(key: string, path: string, contentType?: string): Promise<StoredObject> {
    const s = await fsStat(path)
    return { key, size: s.size, contentType: contentType ?? contentTypeForKey(key), lastModified: s.mtime }
  }
}
