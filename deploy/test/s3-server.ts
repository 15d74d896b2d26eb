// A local S3 server over HTTPS for the restore drill's repo 2, in its own process: the drill blocks on
// pgbackrest and pg_ctl, which talk to it meanwhile. Usage: bun s3-server.ts <dir> <key> <cert> <bucket>
import { createHash } from 'node:crypto'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import S3rver from 's3rver'

// s3rver 3.7.1 answers a PUT before its file is flushed (it resolves on the input's end, not the
// file's), so an immediate GET can read a short object. S3 itself is atomic per object: wait for the file.
interface Store {
  getResourcePath(bucket: string, key: string, resource: string): string
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>
}
interface PutObject {
  bucket: string
  key: string
  content: Buffer | NodeJS.ReadableStream
  metadata: unknown
}
async function putObject(this: Store, object: PutObject) {
  const path = this.getResourcePath(object.bucket, object.key, 'object')
  mkdirSync(dirname(path), { recursive: true })
  const md5 = createHash('md5')
  let size = 0
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  const source = Buffer.isBuffer(object.content) ? [object.content] : object.content
  await pipeline(source as AsyncIterable<Buffer>, count, createWriteStream(path))
  const digest = md5.digest('hex')
  await this.putMetadata(object.bucket, object.key, object.metadata, digest)
  return { size, md5: digest }
}

const [directory, key, cert, bucket] = process.argv.slice(2) as [string, string, string, string]
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  key: readFileSync(key),
  cert: readFileSync(cert),
  configureBuckets: [{ name: bucket, configs: [] }],
})
Object.getPrototypeOf((server as unknown as { store: object }).store).putObject = putObject
const { port } = await server.run()
console.log(`port ${port}`)
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)))
