// A connected channel's YouTube videos, as push notifications, the uploads poll and the reports
// reveal them: ours (published by the platform, matched by the YouTube video id the publication
// recorded) and those published elsewhere. A title changed on YouTube becomes our video's title too;
// when YouTube published our video, and its deletion there, show on the video's publication.
import type { YouTubeVideoSighting } from '@ytempire/contract'
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm'
import { videoPublications, videos, youtubeVideos } from '../../db/schema'
import type { Deps } from '../../deps'

export interface ChannelRef {
  channelId: string
  userId: string
}

export interface SeenVideo {
  youtubeVideoId: string
  /** null: not known yet (a video first met in a report); videos.list fills it in */
  title: string | null
  publishedAt: string | null
}

export function createVideoCatalog(deps: Deps) {
  const db = deps.database.db

  return {
    /** Records or updates the videos; answers how many were new and whose titles changed. */
    async seen(channel: ChannelRef, sightings: SeenVideo[], via: YouTubeVideoSighting) {
      // One row per video: a statement may not touch the same row twice.
      const seen = [...new Map(sightings.map((s) => [s.youtubeVideoId, s])).values()]
      if (!seen.length) return { added: 0, renamed: 0 }
      const ids = seen.map((s) => s.youtubeVideoId)
      const ours = new Map(
        (
          await db
            .select({ youtubeVideoId: videoPublications.youtubeVideoId, videoId: videoPublications.videoId })
            .from(videoPublications)
            .where(and(inArray(videoPublications.youtubeVideoId, ids), eq(videoPublications.channelId, channel.channelId)))
        ).map((p) => [p.youtubeVideoId!, p.videoId]),
      )
      const rows = await db
        .insert(youtubeVideos)
        .values(
          seen.map((s) => ({
            youtubeVideoId: s.youtubeVideoId,
            channelId: channel.channelId,
            userId: channel.userId,
            videoId: ours.get(s.youtubeVideoId) ?? null,
            source: ours.has(s.youtubeVideoId) ? ('platform' as const) : ('external' as const),
            firstSeenVia: via,
            title: s.title ?? s.youtubeVideoId,
            publishedAt: s.publishedAt ? new Date(s.publishedAt) : null,
          })),
        )
        .onConflictDoUpdate({
          target: youtubeVideos.youtubeVideoId,
          set: {
            channelId: sql`excluded.channel_id`,
            userId: sql`excluded.user_id`,
            videoId: sql`coalesce(${youtubeVideos.videoId}, excluded.video_id)`,
            source: sql`case when coalesce(${youtubeVideos.videoId}, excluded.video_id) is null then 'external' else 'platform' end`,
            // A report knows no title: it keeps the one we have.
            title: via === 'report' ? sql`${youtubeVideos.title}` : sql`excluded.title`,
            publishedAt: sql`coalesce(excluded.published_at, ${youtubeVideos.publishedAt})`,
            deletedAt: null,
            updatedAt: new Date(),
          },
          // Nothing new: the row (and its updated_at) stays as it was.
          setWhere: sql`${youtubeVideos.channelId} is distinct from excluded.channel_id
            or (${youtubeVideos.videoId} is null and excluded.video_id is not null)
            or ${youtubeVideos.deletedAt} is not null
            or ${via === 'report' ? sql`false` : sql`${youtubeVideos.title} is distinct from excluded.title`}
            or (excluded.published_at is not null and ${youtubeVideos.publishedAt} is distinct from excluded.published_at)`,
        })
        .returning({ youtubeVideoId: youtubeVideos.youtubeVideoId, inserted: sql<boolean>`xmax = 0` })
      // Our publications follow what YouTube says of their videos: seen again means not deleted.
      for (const s of seen) {
        const videoId = ours.get(s.youtubeVideoId)
        if (!videoId) continue
        const publishedAt = s.publishedAt ? new Date(s.publishedAt) : null
        await db
          .update(videoPublications)
          .set({ youtubeDeletedAt: null, ...(publishedAt ? { youtubePublishedAt: publishedAt } : {}), updatedAt: new Date() })
          .where(
            and(
              eq(videoPublications.videoId, videoId),
              publishedAt
                ? sql`(${videoPublications.youtubeDeletedAt} is not null or ${videoPublications.youtubePublishedAt} is distinct from ${publishedAt.toISOString()}::timestamptz)`
                : isNotNull(videoPublications.youtubeDeletedAt),
            ),
          )
      }
      let renamed = 0
      if (via !== 'report')
        for (const s of seen) {
          const videoId = ours.get(s.youtubeVideoId)
          if (!videoId || !s.title) continue
          const changed = await db
            .update(videos)
            .set({ title: s.title, updatedAt: new Date() })
            .where(and(eq(videos.id, videoId), sql`${videos.title} is distinct from ${s.title}`))
            .returning({ id: videos.id })
          renamed += changed.length
        }
      return { added: rows.filter((r) => r.inserted).length, renamed }
    },

    /** A tombstone (WebSub) or a video videos.list no longer returns. Answers whether anything changed. */
    async deleted(channel: ChannelRef, youtubeVideoId: string, at: Date) {
      const publication = await db
        .update(videoPublications)
        .set({ youtubeDeletedAt: at, updatedAt: new Date() })
        .where(
          and(
            eq(videoPublications.youtubeVideoId, youtubeVideoId),
            eq(videoPublications.channelId, channel.channelId),
            isNull(videoPublications.youtubeDeletedAt),
          ),
        )
        .returning({ videoId: videoPublications.videoId })
      const gone = await db
        .update(youtubeVideos)
        .set({ deletedAt: at, updatedAt: new Date() })
        .where(
          and(
            eq(youtubeVideos.youtubeVideoId, youtubeVideoId),
            eq(youtubeVideos.channelId, channel.channelId),
            isNull(youtubeVideos.deletedAt),
          ),
        )
        .returning({ id: youtubeVideos.youtubeVideoId })
      if (gone.length || publication.length) return true
      // A tombstone for one of our videos not yet in the catalogue: record it deleted.
      const [ours] = await db
        .select({ videoId: videoPublications.videoId, title: videos.title })
        .from(videoPublications)
        .innerJoin(videos, eq(videos.id, videoPublications.videoId))
        .where(and(eq(videoPublications.youtubeVideoId, youtubeVideoId), eq(videoPublications.channelId, channel.channelId)))
      if (!ours) return false
      const added = await db
        .insert(youtubeVideos)
        .values({
          youtubeVideoId,
          channelId: channel.channelId,
          userId: channel.userId,
          videoId: ours.videoId,
          source: 'platform',
          firstSeenVia: 'websub',
          title: ours.title ?? youtubeVideoId,
          deletedAt: at,
        })
        .onConflictDoNothing()
        .returning({ id: youtubeVideos.youtubeVideoId })
      return added.length > 0
    },

    /** The channel's videos still on YouTube. */
    async live(channelId: string) {
      return db
        .select({ youtubeVideoId: youtubeVideos.youtubeVideoId })
        .from(youtubeVideos)
        .where(and(eq(youtubeVideos.channelId, channelId), isNull(youtubeVideos.deletedAt)))
    },

    /** Which of these ids the catalogue already holds for the channel. */
    async known(channelId: string, ids: string[]) {
      if (!ids.length) return new Set<string>()
      const rows = await db
        .select({ id: youtubeVideos.youtubeVideoId })
        .from(youtubeVideos)
        .where(and(eq(youtubeVideos.channelId, channelId), inArray(youtubeVideos.youtubeVideoId, ids)))
      return new Set(rows.map((r) => r.id))
    },

    /** Lifetime counters from videos.list, one statement for the batch. */
    async statistics(channelId: string, stats: { youtubeVideoId: string; views: number; likes: number; comments: number }[], at: Date) {
      if (!stats.length) return
      const values = sql.join(
        stats.map((s) => sql`(${s.youtubeVideoId}::text, ${s.views}::bigint, ${s.likes}::bigint, ${s.comments}::bigint)`),
        sql`, `,
      )
      await db.execute(sql`
        update ${youtubeVideos} y set views = s.views, likes = s.likes, comments = s.comments, statistics_at = ${at.toISOString()}::timestamptz
        from (values ${values}) as s(id, views, likes, comments)
        where y.youtube_video_id = s.id and y.channel_id = ${channelId}::uuid`)
    },
  }
}
export type VideoCatalog = ReturnType<typeof createVideoCatalog>
