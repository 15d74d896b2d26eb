// Own media goes up as the raw request body. fetch cannot report upload progress, so this one Eden
// client sends through XMLHttpRequest, whose upload events drive the progress bar.
import { createClient } from '@ytempire/core/client'
import { unwrap } from './problem'
import { apiOrigin, session, sessionFetcher } from './session'

export function xhrFetch(onProgress: (fraction: number) => void, signal?: AbortSignal): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open(init?.method ?? 'GET', String(input))
      for (const [k, v] of new Headers(init?.headers)) xhr.setRequestHeader(k, v)
      xhr.responseType = 'arraybuffer'
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total)
      xhr.onload = () => {
        const headers = new Headers()
        for (const line of xhr
          .getAllResponseHeaders()
          .trim()
          .split(/[\r\n]+/)) {
          const at = line.indexOf(':')
          if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim())
        }
        const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304
        resolve(new Response(empty ? null : xhr.response, { status: xhr.status, headers }))
      }
      xhr.onerror = () => reject(new TypeError('Network error during upload'))
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
      signal?.addEventListener('abort', () => xhr.abort())
      xhr.send((init?.body ?? null) as XMLHttpRequestBodyInit | null)
    })) as typeof fetch
}

export function uploadMedia(file: File, onProgress: (fraction: number) => void, signal?: AbortSignal) {
  const client = createClient(apiOrigin, { token: session.token, fetcher: sessionFetcher(xhrFetch(onProgress, signal)) })
  return unwrap(client.v1.uploads.post(undefined, { query: { name: file.name.slice(0, 200) }, fetch: { body: file } }))
}
