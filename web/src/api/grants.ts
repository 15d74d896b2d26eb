// A <video>, an <img> or a new tab cannot send the access token, so the core signs short-lived links for
// them (POST /v1/auth/grants): read only, one path each, ended with the session.
import { useQuery } from '@tanstack/react-query'
import { unwrap } from './problem'
import { api } from './session'

const GRANT_REFRESH_MS = 50 * 60_000 // grants last an hour

export function useGrants(paths: (string | null | undefined)[]) {
  const wanted = [...new Set(paths.filter((p): p is string => Boolean(p)))].sort()
  const query = useQuery({
    queryKey: ['grants', wanted],
    queryFn: () => unwrap(api.v1.auth.grants.post({ paths: wanted })),
    enabled: wanted.length > 0,
    staleTime: GRANT_REFRESH_MS,
  })
  const urls = new Map(query.data?.grants.map((g) => [g.path, g.url]))
  return (path: string | null | undefined) => (path ? urls.get(path) : undefined)
}
