import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acceptedMediaType, MEDIA_TYPES, uploadsPrefix } from '@ytempire/contract'
import { and, desc, eq } from 'drizzle-orm'
import { fileTypeFromFile } from 'file-type'
import { uploads, users } from '../../db/schema'
import type { Deps } from '../../deps'
import { notFound, Problem, unprocessable } from '../../http/problem'
import { planLimit, storageUsedBytes } from '../billing/entitlements'

type UploadRow = typeof uploads.$inferSelect
export const uploadView = (u: UploadRow) => ({
  id: u.id,
  key: u.key,
  name: u.name,
  contentType: u.contentType,
  size: u.size,
  createdAt: u.createdAt.toISOString(),
})

export function createUploadService(deps: Deps) {
  const db = deps.database.db
  return {
    /** Streams the body to a temp file (never whole in memory), checks its real type, then stores it under uploads/<userId>/. */
    async create(userId: string, request: Request, name: string) {
      if (!request.body)
        throw unprocessable('The request body is empty', [{ field: 'body', message: 'send the file as the raw request body' }])
      const [owner] = await db.select({ plan: users.plan }).from(users).where(eq(users.id, userId))
      const plan = owner?.plan ?? 'free'
      const allowed = deps.config.plans[plan].storageBytes
      const fits = async (adding: number) => {
        const used = await storageUsedBytes(db, userId)
        if (used + adding > allowed)
          throw planLimit('storageBytes', plan, allowed, `You store ${used} bytes; this file (${adding} bytes) does not fit`, 'body')
      }
      // Refused before reading when the declared length already cannot fit; checked again on the real size.
      await fits(Number(request.headers.get('content-length') ?? 0))
      const dir = await mkdtemp(join(tmpdir(), 'ytempire-upload-'))
      try {
        const path = join(dir, 'file')
        await Bun.write(path, new Response(limited(request.body, deps.config.maxUploadBytes)))
        const size = (await stat(path)).size
        if (size === 0)
          throw unprocessable('The request body is empty', [{ field: 'body', message: 'send the file as the raw request body' }])
        await fits(size)
        // What the renderer can use: stills, clips, and music beds. The bytes decide, not the declared type.
        const detected = await fileTypeFromFile(path)
        const type = acceptedMediaType(detected?.mime)
        if (!type) {
          throw new Problem(
            415,
            'Unsupported Media Type',
            `Allowed: JPEG, PNG, WebP images; MP4, MOV, WebM clips; MP3, WAV, M4A, FLAC audio (this file looks like ${detected?.mime ?? 'something else'})`,
          )
        }
        const id = crypto.randomUUID()
        const key = `${uploadsPrefix(userId)}${id}.${MEDIA_TYPES[type]}`
        await deps.storage.putFile(key, path, type)
        const [row] = await db.insert(uploads).values({ id, userId, key, name, contentType: type, size }).returning()
        return uploadView(row!)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    },
    async list(userId: string) {
      return (await db.select().from(uploads).where(eq(uploads.userId, userId)).orderBy(desc(uploads.createdAt))).map(uploadView)
    },
    async remove(userId: string, id: string) {
      const [row] = await db
        .delete(uploads)
        .where(and(eq(uploads.id, id), eq(uploads.userId, userId)))
        .returning()
      if (!row) throw notFound('Upload')
      await deps.storage.delete(row.key)
    },
  }
}
export type UploadService = ReturnType<typeof createUploadService>

/** Passes the stream through, failing it once more than `max` bytes have gone by (chunked bodies have no length to check up front). */
function limited(body: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let seen = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength
        if (seen > max) controller.error(new Problem(413, 'Content Too Large', `Uploads are limited to ${max} bytes`))
        else controller.enqueue(chunk)
      },
    }),
  )
}
