import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** RFC 9457 problem details, the body of every error the edge answers itself. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  /** The fields at fault, for a request the edge refuses for its content. */
  errors?: { field: string; message: string }[]
}

const PROBLEM_BASE = 'https://ytempire.dev/problems/'

/** Status, slug (under PROBLEM_BASE), title, detail, then extra headers and the fields at fault. */
type ProblemParts = [
  status: ContentfulStatusCode,
  slug: string,
  title: string,
  detail: string,
  headers?: Record<string, string>,
  errors?: Problem['errors'],
]

export function problemResponse(...[status, slug, title, detail, headers = {}, errors]: ProblemParts): Response {
  const body: Problem = { type: PROBLEM_BASE + slug, title, status, detail, ...(errors ? { errors } : {}) }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  })
}

/** An error that ends the request with a ready problem+json response. */
export function problemException(...parts: ProblemParts): HTTPException {
  const [status, , , detail] = parts
  return new HTTPException(status, { res: problemResponse(...parts), message: detail })
}
