// The behaviour every Storage implementation owes its callers (the render workers write, the core
// serves ranges, lists and erases). Each implementation's test file calls runStorageContract against
// a real backend: the local disk, a real S3-protocol server, or a real bucket.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ObjectNotFoundError, type Storage, StorageKeyError } from '../src'

const MiB = 1 << 20
const BIG_MIB = 20

/** A deterministic 1 MiB chunk; the large-object tests make and check 20 of them, never all at once. */
function chunk(i: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(MiB)
  for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) & 255
  return b
}

function chunkStream(count: number): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === count) controller.close()
      else controller.enqueue(chunk(i++))
    },
  })
}

function expectedDigest(count: number): string {
  const hash = new Bun.CryptoHasher('sha256')
  for (let i = 0; i < count; i++) hash.update(chunk(i))
  return hash.digest('hex')
}

async function digestOf(stream: ReadableStream<Uint8Array>): Promise<{ digest: string; bytes: number; largestChunk: number }> {
  const hash = new Bun.CryptoHasher('sha256')
  let bytes = 0
  let largestChunk = 0
  for await (const c of stream) {
    hash.update(c)
    bytes += c.byteLength
    largestChunk = Math.max(largestChunk, c.byteLength)
  }
  return { digest: hash.digest('hex'), bytes, largestChunk }
}

const text = (s: ReadableStream<Uint8Array>) => new Response(s).text()
const decode = (b: Uint8Array) => new TextDecoder().decode(b)

async function keysUnder(storage: Storage, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of storage.list(prefix)) keys.push(o.key)
  return keys.sort()
}

/** Runs `work` over `items`, `limit` at a time (a thousand PUTs at once would test the server, not us). */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

export function runStorageContract(name: string, factory: () => Storage | Promise<Storage>): void {
  describe(`storage contract: ${name}`, () => {
    let storage: Storage
    let scratch: string
    // Every key lives under one random folder, so a run against a shared bucket touches nothing else.
    const ns = `contract-${crypto.randomUUID()}/`
    const k = (key: string) => ns + key

    beforeAll(async () => {
      storage = await factory()
      scratch = await mkdtemp(join(tmpdir(), 'storage-contract-'))
    })
    afterAll(async () => {
      await storage?.deletePrefix(ns)
      await rm(scratch, { recursive: true, force: true })
    })

    describe('put and get', () => {
      test('bytes, then the same bytes back with size and a content type from the extension', async () => {
        const bytes = new Uint8Array([0, 1, 2, 250, 251, 255])
        const stored = await storage.put(k('put/bytes.mp4'), bytes)
        expect(stored).toMatchObject({ key: k('put/bytes.mp4'), size: 6, contentType: 'video/mp4' })
        expect(stored.lastModified).toBeInstanceOf(Date)
        expect(await storage.get(k('put/bytes.mp4'))).toEqual(bytes)
      })

      test('string, ArrayBuffer and Blob bodies', async () => {
        await storage.put(k('put/string.json'), '{"ok":true}')
        await storage.put(k('put/buffer.bin'), new Uint8Array([9, 8, 7]).buffer)
        await storage.put(k('put/blob.bin'), new Blob(['blob ', 'parts']))
        expect(decode(await storage.get(k('put/string.json')))).toBe('{"ok":true}')
        expect(await storage.get(k('put/buffer.bin'))).toEqual(new Uint8Array([9, 8, 7]))
        expect(decode(await storage.get(k('put/blob.bin')))).toBe('blob parts')
      })

      test('a stream, written as it arrives', async () => {
        const parts = ['first ', 'second ', 'third']
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const p of parts) controller.enqueue(new TextEncoder().encode(p))
            controller.close()
          },
        })
        const stored = await storage.put(k('put/stream.txt'), body)
        expect(stored.size).toBe(18)
        expect(decode(await storage.get(k('put/stream.txt')))).toBe('first second third')
      })

      test('a local file, which is left in place', async () => {
        const source = join(scratch, 'source.wav')
        await Bun.write(source, 'RIFF....WAVE')
        const stored = await storage.putFile(k('put/file.wav'), source, 'audio/wav')
        expect(stored).toMatchObject({ key: k('put/file.wav'), size: 12, contentType: 'audio/wav' })
        expect(decode(await storage.get(k('put/file.wav')))).toBe('RIFF....WAVE')
        expect(await Bun.file(source).text()).toBe('RIFF....WAVE')
      })

      test('put replaces the whole object', async () => {
        await storage.put(k('put/replace.txt'), 'a longer first version')
        await storage.put(k('put/replace.txt'), 'short')
        expect(decode(await storage.get(k('put/replace.txt')))).toBe('short')
        expect((await storage.stat(k('put/replace.txt')))?.size).toBe(5)
      })

      test('an empty object', async () => {
        expect((await storage.put(k('put/empty.bin'), new Uint8Array(0))).size).toBe(0)
        expect(await storage.get(k('put/empty.bin'))).toEqual(new Uint8Array(0))
        expect(await text(storage.stream(k('put/empty.bin')))).toBe('')
      })
    })

    describe('stat', () => {
      test('size, content type and last modified', async () => {
        const before = Date.now()
        await storage.put(k('stat/clip.webm'), new Uint8Array(1234))
        const s = await storage.stat(k('stat/clip.webm'))
        expect(s).toMatchObject({ key: k('stat/clip.webm'), size: 1234, contentType: 'video/webm' })
        // S3 keeps whole seconds, and a remote clock may be a little off.
        expect(s!.lastModified.getTime()).toBeGreaterThan(before - 60_000)
        expect(s!.lastModified.getTime()).toBeLessThan(Date.now() + 60_000)
      })

      test('the content type given at put wins over the extension, until a put without one', async () => {
        await storage.put(k('stat/typed.bin'), 'x', 'image/png')
        expect((await storage.stat(k('stat/typed.bin')))?.contentType).toBe('image/png')
        await storage.put(k('stat/typed.bin'), 'x')
        expect((await storage.stat(k('stat/typed.bin')))?.contentType).toBe('application/octet-stream')
      })

      test('a text content type comes back as given, without a charset added', async () => {
        await storage.put(k('stat/subs.ass'), '[Script Info]', 'text/x-ssa')
        expect((await storage.stat(k('stat/subs.ass')))?.contentType).toBe('text/x-ssa')
        await storage.put(k('stat/data.json'), '{}')
        expect((await storage.stat(k('stat/data.json')))?.contentType).toBe('application/json')
      })

      test('null for a missing key, and for a folder that only holds other objects', async () => {
        expect(await storage.stat(k('stat/missing.mp4'))).toBeNull()
        await storage.put(k('stat/folder/inner.txt'), 'x')
        expect(await storage.stat(k('stat/folder'))).toBeNull()
      })
    })

    describe('stream with byte ranges', () => {
      const key = () => k('range/digits.txt')
      beforeAll(async () => {
        await storage.put(key(), '0123456789')
      })

      test('the whole object', async () => {
        expect(await text(storage.stream(key()))).toBe('0123456789')
      })
      test('the first byte, and the first bytes', async () => {
        expect(await text(storage.stream(key(), { start: 0, end: 0 }))).toBe('0')
        expect(await text(storage.stream(key(), { start: 0, end: 3 }))).toBe('0123')
      })
      test('a middle range, both ends inclusive', async () => {
        expect(await text(storage.stream(key(), { start: 2, end: 5 }))).toBe('2345')
      })
      test('the last byte', async () => {
        expect(await text(storage.stream(key(), { start: 9, end: 9 }))).toBe('9')
      })
      test('a suffix: the last n bytes, all of them when n is larger', async () => {
        expect(await text(storage.stream(key(), { suffix: 3 }))).toBe('789')
        expect(await text(storage.stream(key(), { suffix: 50 }))).toBe('0123456789')
      })
      test('to the end, and an end past the object clamped to it', async () => {
        expect(await text(storage.stream(key(), { start: 7 }))).toBe('789')
        expect(await text(storage.stream(key(), { start: 8, end: 100 }))).toBe('89')
      })
      test('a range starting past the end fails with a RangeError', async () => {
        await expect(text(storage.stream(key(), { start: 10 }))).rejects.toBeInstanceOf(RangeError)
        await expect(text(storage.stream(key(), { start: 5, end: 2 }))).rejects.toBeInstanceOf(RangeError)
      })
    })

    describe('delete', () => {
      test('removes the object; deleting it again is fine', async () => {
        await storage.put(k('delete/one.txt'), 'x')
        await storage.delete(k('delete/one.txt'))
        expect(await storage.stat(k('delete/one.txt'))).toBeNull()
        await expect(storage.get(k('delete/one.txt'))).rejects.toBeInstanceOf(ObjectNotFoundError)
        await storage.delete(k('delete/one.txt'))
      })

      test('a prefix: everything under the folder, nothing beside it', async () => {
        await storage.put(k('erase/u1/a.png'), 'a')
        await storage.put(k('erase/u1/deep/er/b.mp4'), 'bb')
        await storage.put(k('erase/u10/c.png'), 'c')
        await storage.put(k('erase/u1.png'), 'd')
        expect(await storage.deletePrefix(k('erase/u1/'))).toBe(2)
        expect(await keysUnder(storage, k('erase/u1/'))).toEqual([])
        expect(await keysUnder(storage, k('erase/'))).toEqual([k('erase/u1.png'), k('erase/u10/c.png')])
        expect(await storage.deletePrefix(k('erase/nobody/'))).toBe(0)
      })

      test('a prefix must be a folder (ending in /) so u1 never takes u10 with it', async () => {
        await expect(storage.deletePrefix(k('erase/u1'))).rejects.toBeInstanceOf(StorageKeyError)
        await expect(storage.deletePrefix('')).rejects.toBeInstanceOf(StorageKeyError)
        await expect(storage.deletePrefix('/')).rejects.toBeInstanceOf(StorageKeyError)
        await expect(storage.deletePrefix('../')).rejects.toBeInstanceOf(StorageKeyError)
      })
    })

    describe('list', () => {
      test('every object under a folder, nested ones too, with size and time', async () => {
        await storage.put(k('list/user/a.jpg'), 'aaa')
        await storage.put(k('list/user/videos/v1/video.mp4'), 'vvvvv')
        await storage.put(k('list/other/b.jpg'), 'b')
        const found = []
        for await (const o of storage.list(k('list/user/'))) found.push(o)
        found.sort((a, b) => a.key.localeCompare(b.key))
        expect(found.map((o) => [o.key, o.size])).toEqual([
          [k('list/user/a.jpg'), 3],
          [k('list/user/videos/v1/video.mp4'), 5],
        ])
        for (const o of found) expect(o.lastModified.getTime()).toBeGreaterThan(Date.now() - 3_600_000)
      })

      test('nothing under a folder that does not exist', async () => {
        expect(await keysUnder(storage, k('list/nobody/'))).toEqual([])
      })

      test('past a thousand objects (S3 answers a listing in pages of 1000), then erased', async () => {
        const keys = Array.from({ length: 1050 }, (_, i) => k(`many/${String(i).padStart(4, '0')}.txt`))
        await eachLimited(keys, 16, (key) => storage.put(key, 'x'))
        expect(await keysUnder(storage, k('many/'))).toEqual(keys)
        expect(await storage.deletePrefix(k('many/'))).toBe(1050)
        expect(await keysUnder(storage, k('many/'))).toEqual([])
      }, 120_000)
    })

    describe('toLocalFile', () => {
      test('a readable path with the bytes, under the given folder when downloaded', async () => {
        await storage.put(k('local/voice.wav'), 'RIFF-bytes')
        const path = await storage.toLocalFile(k('local/voice.wav'), scratch)
        expect(await Bun.file(path).text()).toBe('RIFF-bytes')
      })

      test('two keys never share a local file', async () => {
        await storage.put(k('local/a/b_c.txt'), 'one')
        await storage.put(k('local/a_b/c.txt'), 'two')
        const one = await storage.toLocalFile(k('local/a/b_c.txt'), scratch)
        const two = await storage.toLocalFile(k('local/a_b/c.txt'), scratch)
        expect([await Bun.file(one).text(), await Bun.file(two).text()]).toEqual(['one', 'two'])
      })
    })

    describe('missing objects', () => {
      const missing = () => k('missing/nothing.mp4')
      test('stat answers null', async () => {
        expect(await storage.stat(missing())).toBeNull()
      })
      test('get, stream, ranged stream and toLocalFile fail with ObjectNotFoundError naming the key', async () => {
        const err = await storage.get(missing()).catch((e) => e)
        expect(err).toBeInstanceOf(ObjectNotFoundError)
        expect(err.key).toBe(missing())
        await expect(text(storage.stream(missing()))).rejects.toBeInstanceOf(ObjectNotFoundError)
        await expect(text(storage.stream(missing(), { start: 0, end: 1 }))).rejects.toBeInstanceOf(ObjectNotFoundError)
        await expect(text(storage.stream(missing(), { suffix: 1 }))).rejects.toBeInstanceOf(ObjectNotFoundError)
        await expect(storage.toLocalFile(missing(), scratch)).rejects.toBeInstanceOf(ObjectNotFoundError)
      })
    })

    describe('keys', () => {
      const odd = [
        'odd/with space.txt',
        'odd/plus+sign.txt',
        'odd/percent%20encoded.txt',
        'odd/query?and#hash&amp=eq.txt',
        'odd/quotes\'"<angle>.txt',
        'odd/ünïcödé 日本語 🎬.txt',
        'odd/~!@$()*,;:.txt',
        'odd/.hidden',
      ]
      test('odd characters round-trip through put, stat, get, stream, list and delete', async () => {
        for (const [i, key] of odd.entries()) await storage.put(k(key), `body ${i}`)
        for (const [i, key] of odd.entries()) {
          expect(decode(await storage.get(k(key)))).toBe(`body ${i}`)
          expect((await storage.stat(k(key)))?.size).toBe(`body ${i}`.length)
          expect(await text(storage.stream(k(key), { start: 5 }))).toBe(String(i))
        }
        expect(await keysUnder(storage, k('odd/'))).toEqual(odd.map(k).sort())
        for (const key of odd) await storage.delete(k(key))
        expect(await keysUnder(storage, k('odd/'))).toEqual([])
      })

      test.each([
        ['empty', ''],
        ['absolute', '/absolute'],
        ['parent', '../escape'],
        ['nested parent', 'a/../../escape'],
        ['empty segment', 'a//b'],
        ['dot segment', 'a/./b'],
        ['trailing slash', 'trailing/'],
        ['backslash', 'back\\slash'],
        ['NUL', 'nul\0byte'],
        ['newline', 'new\nline'],
        ['1025 characters', 'x'.repeat(1025)],
      ])('refuses a key: %s', async (_, key) => {
        await expect(storage.put(key, 'x')).rejects.toBeInstanceOf(StorageKeyError)
        await expect(storage.stat(key)).rejects.toBeInstanceOf(StorageKeyError)
        expect(() => storage.stream(key)).toThrow(StorageKeyError)
      })
    })

    describe('concurrency', () => {
      test('concurrent writes to one key leave one whole version', async () => {
        const versions = Array.from({ length: 8 }, (_, i) => String(i).repeat(10_000 + i * 1000))
        await Promise.all(versions.map((v) => storage.put(k('race/same.txt'), v)))
        const final = decode(await storage.get(k('race/same.txt')))
        // Compared by index: a mismatch would otherwise print 100 kB of digits.
        expect(versions.indexOf(final)).toBeGreaterThanOrEqual(0)
        expect((await storage.stat(k('race/same.txt')))?.size).toBe(final.length)
        expect(await keysUnder(storage, k('race/'))).toEqual([k('race/same.txt')])
      })

      test('concurrent writes to many keys all land', async () => {
        const keys = Array.from({ length: 24 }, (_, i) => k(`race/many/${i}.txt`))
        await Promise.all(keys.map((key, i) => storage.put(key, `v${i}`)))
        const bodies = await Promise.all(keys.map(async (key) => decode(await storage.get(key))))
        expect(bodies).toEqual(keys.map((_, i) => `v${i}`))
      })
    })

    describe(`a large object (${BIG_MIB} MiB)`, () => {
      const big = () => k('big/video.mp4')
      const size = BIG_MIB * MiB

      test('is put from a stream, then streamed back in pieces, byte for byte', async () => {
        const stored = await storage.put(big(), chunkStream(BIG_MIB))
        expect(stored.size).toBe(size)
        const read = await digestOf(storage.stream(big()))
        expect(read.bytes).toBe(size)
        expect(read.digest).toBe(expectedDigest(BIG_MIB))
        // Streamed, not handed over as one buffer.
        expect(read.largestChunk).toBeLessThan(size / 2)
      }, 120_000)

      test('a range deep inside it', async () => {
        const start = 13 * MiB + 5
        const bytes = new Uint8Array(await new Response(storage.stream(big(), { start, end: start + 99 })).arrayBuffer())
        expect(bytes).toEqual(chunk(13).subarray(5, 105))
      }, 60_000)

      test('is put from a file and comes back as a local file', async () => {
        const source = join(scratch, 'big-source.bin')
        const writer = Bun.file(source).writer()
        for (let i = 0; i < BIG_MIB; i++) {
          writer.write(chunk(i))
          await writer.flush()
        }
        await writer.end()
        expect((await storage.putFile(k('big/file.mp4'), source)).size).toBe(size)
        const local = await storage.toLocalFile(k('big/file.mp4'), scratch)
        expect((await digestOf(Bun.file(local).stream())).digest).toBe(expectedDigest(BIG_MIB))
      }, 120_000)
    })
  })
}
