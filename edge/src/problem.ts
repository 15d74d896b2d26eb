import { HTTPException } from 'hono/http-exception'

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

export function problemResponse(
  status: number,
  slug: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
  errors?: Problem['errors'],
): Response {
  const body: Problem = { type: PROBLEM_BASE + slug, title, status, detail, ...(errors ? { errors } : {}) }
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  })
}

/** An error that ends the request with a ready problem+json response. */
export function problemException(
  status: ConstructorParameters<typeof HTTPException>[0],
  slug: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
  errors?: Problem['errors'],
): HTTPException {
  return new HTTPException(status, { res: problemResponse(status as number, slug, title, detail, headers, errors), message: detail })
}
