import { videoPrefix } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import { notFound, Problem } from '../../http/problem'
import type { Logger } from '../../infra/logger'

/**
 * Deletes every stored file of these videos: their folder under the owner (`videoPrefix`) and the
 * folder of the older layout (`videos/<videoId>/`). A store that does not answer is a 503: nothing
 * of the caller's request should be taken as done.
 */
export async function deleteVideoFiles(storage: Storage, owned: readonly { id: string; userId: string }[], log: Logger): Promise<number> {
  return deletingFiles(log, async () => {
    let deleted = 0
    for (const v of owned)
      deleted += (await storage.deletePrefix(videoPrefix(v.userId, v.id))) + (await storage.deletePrefix(`videos/${v.id}/`))
    return deleted
  })
}

/** Runs a deletion in the file store; a store that does not answer is a 503 (the caller's change is not made). */
export async function deletingFiles<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    log.error({ err }, 'could not delete stored files')
    throw new Problem(503, 'Service Unavailable', 'The file store is unreachable; nothing was deleted. Try again shortly.', {
      headers: { 'retry-after': '30' },
    })
  }
}

/**
 * Serves a stored object with HTTP Range (RFC 9110 §14): one byte range answers 206, an
 * unsatisfiable one 416, none (or several) the whole object with 200.
 */
export async function serveObject(
  storage: Storage,
  key: string | null,
  rangeHeader: string | null,
  opts: { filename?: string; cacheSeconds?: number } = {},
): Promise<Response> {
  if (!key) throw notFound('File')
  const stat = await storage.stat(key)
  if (!stat) throw notFound('File')
  const headers: Record<string, string> = {
    'content-type': stat.contentType,
    'accept-ranges': 'bytes',
    'last-modified': stat.lastModified.toUTCString(),
    'cache-control': `private, max-age=${opts.cacheSeconds ?? 3600}`,
  }
  if (opts.filename) headers['content-disposition'] = `inline; filename="${opts.filename}"`
  const range = parseRange(rangeHeader, stat.size)
  if (range === 'unsatisfiable') {
    throw new Problem(416, 'Range Not Satisfiable', `The file has ${stat.size} bytes`, {
      headers: { 'content-range': `bytes */${stat.size}` },
    })
  }
  if (!range) {
    headers['content-length'] = String(stat.size)
    return new Response(storage.stream(key), { status: 200, headers })
  }
  headers['content-range'] = `bytes ${range.start}-${range.end}/${stat.size}`
  headers['content-length'] = String(range.end - range.start + 1)
  return new Response(storage.stream(key, range), { status: 206, headers })
}

export function parseRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined
  const m = header.match(/^bytes=(\d*)-(\d*)$/)
  if (!m) return undefined // several ranges or another unit: answer the whole file
  const [, from, to] = m
  if (from === '' && to === '') return undefined
  let start: number
  let end: number
  if (from === '') {
    const suffix = Number(to)
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(from)
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
    if (start >= size || end < start) return 'unsatisfiable'
  }
  return { start, end }
}
