// YouTube settings, read once at start (from config.ts): the OAuth client, Google's endpoints (each
// overridable so tests and self-hosters can point them elsewhere) and the quota table.
import { YOUTUBE_METHODS, type YouTubeMethod } from '@ytempire/contract'

export interface QuotaCost {
  bucket: string
  units: number
}

export interface YouTubeConfig {
  /** unset: connecting a channel answers 503 "not configured" */
  clientId?: string
  clientSecret?: string
  /** `${PUBLIC_URL}/v1/youtube/callback`, registered in the Google Cloud console */
  redirectUri: string
  authUrl: string
  tokenUrl: string
  revokeUrl: string
  /** Data API and uploads; the SDK's media URLs need it passed per call */
  apiRoot: string
  analyticsRoot: string
  /** Quota is metered per Google project: the client id's project number names it. */
  project: string
  /** units a day per bucket */
  quotaBuckets: Record<string, number>
  quotaCosts: Record<YouTubeMethod, QuotaCost>
  /** uploadLimitExceeded pauses the channel's uploads this long */
  uploadLimitPauseS: number
  /** the consent's `state` lives this long */
  stateTtlS: number
}

// Since December 2025 videos.insert has a bucket of its own (100 calls a day); the rest share 10,000 units.
const DEFAULT_BUCKETS = 'default=10000,upload=100'
// Analytics API calls are not Data API quota at Google, but they are counted in the shared bucket here
// so one budget paces everything the installation asks of YouTube (YOUTUBE_QUOTA_COSTS can set them to 0).
const DEFAULT_COSTS =
  'videos.insert=upload:1,thumbnails.set=default:50,videos.list=default:1,channels.list=default:1,playlistItems.list=default:1,reports.query=default:1'

export function parseYouTubeConfig(env: Record<string, string | undefined>, publicUrl: string): YouTubeConfig {
  const clientId = env.GOOGLE_CLIENT_ID || undefined
  // Overrides are merged over the defaults: name only what changed.
  const quotaBuckets = parseBuckets([DEFAULT_BUCKETS, env.YOUTUBE_QUOTA_BUCKETS].filter(Boolean).join(','))
  const quotaCosts = parseCosts([DEFAULT_COSTS, env.YOUTUBE_QUOTA_COSTS].filter(Boolean).join(','), quotaBuckets)
  const pauseH = Number(env.YOUTUBE_UPLOAD_LIMIT_PAUSE_HOURS || 24)
  if (!Number.isFinite(pauseH) || pauseH <= 0) throw new Error('YOUTUBE_UPLOAD_LIMIT_PAUSE_HOURS must be a positive number of hours')
  return {
    clientId,
    clientSecret: env.GOOGLE_CLIENT_SECRET || undefined,
    redirectUri: `${publicUrl}/v1/youtube/callback`,
    authUrl: url(env, 'GOOGLE_AUTH_URL', 'https://accounts.google.com/o/oauth2/v2/auth'),
    tokenUrl: url(env, 'GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
    revokeUrl: url(env, 'GOOGLE_REVOKE_URL', 'https://oauth2.googleapis.com/revoke'),
    apiRoot: root(url(env, 'YOUTUBE_API_ROOT', 'https://www.googleapis.com/')),
    analyticsRoot: root(url(env, 'YOUTUBE_ANALYTICS_ROOT', 'https://youtubeanalytics.googleapis.com/')),
    project: env.GOOGLE_PROJECT || clientId?.split('-')[0] || 'unconfigured',
    quotaBuckets,
    quotaCosts,
    uploadLimitPauseS: Math.round(pauseH * 3600),
    stateTtlS: 600,
  }
}

function url(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = env[name] || fallback
  try {
    const u = new URL(raw)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error()
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`)
  }
  return raw
}

const root = (u: string) => (u.endsWith('/') ? u : `${u}/`)

/** `default=10000,upload=100` */
function parseBuckets(spec: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z][a-z0-9_-]*)=(\d+)$/.exec(part)
    if (!m) throw new Error(`YOUTUBE_QUOTA_BUCKETS entry "${part}" must be <bucket>=<units a day>`)
    out[m[1]!] = Number(m[2])
  }
  return out
}

/** `videos.insert=upload:1,thumbnails.set=default:50,...`; a later entry for a method wins. */
function parseCosts(spec: string, buckets: Record<string, number>): Record<YouTubeMethod, QuotaCost> {
  const out: Partial<Record<YouTubeMethod, QuotaCost>> = {}
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-zA-Z.]+)=([a-z][a-z0-9_-]*):(\d+)$/.exec(part)
    const method = m?.[1] as YouTubeMethod | undefined
    if (!m || !method || !YOUTUBE_METHODS.includes(method))
      throw new Error(`YOUTUBE_QUOTA_COSTS entry "${part}" must be <method>=<bucket>:<units>, method one of ${YOUTUBE_METHODS.join(', ')}`)
    if (!(m[2]! in buckets)) throw new Error(`YOUTUBE_QUOTA_COSTS entry "${part}" names a bucket missing from YOUTUBE_QUOTA_BUCKETS`)
    out[method] = { bucket: m[2]!, units: Number(m[3]) }
  }
  return out as Record<YouTubeMethod, QuotaCost>
}
