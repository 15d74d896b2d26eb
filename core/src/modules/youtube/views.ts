// How connections and publications look in the API (pure functions, shared by the channel and video views).
import { YOUTUBE_SCOPES } from '@ytempire/contract'
import type { videoPublications, youtubeConnections } from '../../db/schema'

type ConnectionRow = typeof youtubeConnections.$inferSelect
type PublicationRow = typeof videoPublications.$inferSelect

export function connectionView(c: ConnectionRow, now = Date.now()) {
  const paused = c.uploadsPausedUntil && c.uploadsPausedUntil.getTime() > now ? c.uploadsPausedUntil.toISOString() : null
  return {
    youtubeChannelId: c.youtubeChannelId,
    title: c.title,
    url: `https://www.youtube.com/channel/${c.youtubeChannelId}`,
    thumbnailUrl: c.thumbnailUrl,
    status: c.status,
    /** why publishing is paused, in words */
    message:
      c.status === 'reconnect_needed'
        ? `Reconnect needed: ${c.statusReason ?? 'Google no longer accepts the grant'}. Publishing is paused until POST /v1/channels/:id/youtube/connect succeeds.`
        : paused
          ? `YouTube's upload limit for this channel was reached; uploads wait until ${paused}.`
          : null,
    customThumbnails: c.customThumbnails,
    monetaryAnalytics: c.scopes.includes(YOUTUBE_SCOPES.monetary),
    scopes: c.scopes,
    uploadsPausedUntil: paused,
    connectedAt: c.connectedAt.toISOString(),
  }
}
export type ConnectionView = ReturnType<typeof connectionView>

export const WAIT_REASONS = { quota: 'quota', uploadLimit: 'upload_limit' } as const

export function publicationView(p: PublicationRow) {
  const until = p.waitingUntil?.toISOString() ?? null
  let message: string | null = null
  if (p.status === 'waiting' && until)
    message =
      p.waitReason === WAIT_REASONS.uploadLimit
        ? `waiting for the channel's YouTube upload limit until ${until}`
        : `waiting for quota until ${until}`
  else if (p.youtubeDeletedAt) message = `deleted on YouTube at ${p.youtubeDeletedAt.toISOString()}`
  else if (p.status === 'paused') message = `publishing paused: ${p.error ?? 'the channel needs reconnecting'}`
  else if (p.status === 'failed') message = p.error
  return {
    status: p.status,
    privacy: p.privacy,
    publishAt: p.publishAt?.toISOString() ?? null,
    youtubeVideoId: p.youtubeVideoId,
    url: p.youtubeVideoId ? `https://www.youtube.com/watch?v=${p.youtubeVideoId}` : null,
    thumbnail: p.thumbnail,
    warnings: p.warnings,
    waitingUntil: p.status === 'waiting' ? until : null,
    message,
    requestedBy: p.requestedBy,
    uploadedAt: p.uploadedAt?.toISOString() ?? null,
    /** when YouTube says it published the video (a scheduled one: once it went public) */
    youtubePublishedAt: p.youtubePublishedAt?.toISOString() ?? null,
    /** when the video was deleted on YouTube (push or the uploads poll); null while it is there */
    deletedOnYouTubeAt: p.youtubeDeletedAt?.toISOString() ?? null,
  }
}
export type PublicationView = ReturnType<typeof publicationView>

/** Still on its way to YouTube: the video's event stream stays open for it. */
export const publicationActive = (p: { status: string } | null | undefined) =>
  !!p && ['queued', 'waiting', 'uploading', 'uploaded'].includes(p.status)
