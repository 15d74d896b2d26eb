// Publishing to YouTube as the pages show it: the queries, and pure readings of the core's answers
// (a channel's states, a publication's words, publishAt from a local date-time field).
import { queryOptions } from '@tanstack/react-query'
import { YOUTUBE_CONNECT_FAILURES, type YouTubeConnectFailure } from '@ytempire/contract'
import { unwrap } from './problem'
import { api } from './session'
import type { Channel, Data, Video } from './types'

type ChannelApi = ReturnType<typeof api.v1.channels>

export type Connection = NonNullable<Channel['youtube']>
export type Publication = NonNullable<Video['youtube']>
export type Quota = Data<typeof api.v1.youtube.quota.get>
export type Schedule = Data<ChannelApi['schedule']['get']>
export type BacklogItem = Data<ChannelApi['backlog']['get']>['items'][number]
export type BacklogInput = NonNullable<Parameters<ChannelApi['backlog']['post']>[0]>['items'][number]
export type PublishInput = NonNullable<Parameters<ReturnType<typeof api.v1.videos>['publish']['post']>[0]>

export const QUOTA_POLL_MS = 60_000
export const WAITING_POLL_MS = 30_000

export const quotaQuery = queryOptions({
  queryKey: ['youtube', 'quota'],
  queryFn: () => unwrap(api.v1.youtube.quota.get()),
  refetchInterval: QUOTA_POLL_MS,
})
export const billingQuery = queryOptions({ queryKey: ['billing'], queryFn: () => unwrap(api.v1.billing.get()) })
export const scheduleQuery = (id: string) =>
  queryOptions({ queryKey: ['channels', id, 'schedule'], queryFn: () => unwrap(api.v1.channels({ id }).schedule.get()) })
export const backlogQuery = (id: string) =>
  queryOptions({ queryKey: ['channels', id, 'backlog'], queryFn: () => unwrap(api.v1.channels({ id }).backlog.get()) })

/** Still on its way to YouTube (the core keeps the video's event stream open for it). */
export const isPublishing = (v: Pick<Video, 'youtube'>) =>
  !!v.youtube && (['queued', 'waiting', 'uploading', 'uploaded'] as string[]).includes(v.youtube.status)
/** Moving right now (not waiting hours for a quota reset). */
export const isUploading = (v: Pick<Video, 'youtube'>) => isPublishing(v) && v.youtube?.status !== 'waiting'

/** What the callback told the channel page after Google's consent page: `connected` or why not. */
export type ConnectOutcome = 'connected' | YouTubeConnectFailure
export const connectOutcomeOf = (v: unknown): ConnectOutcome | undefined =>
  v === 'connected' ? v : YOUTUBE_CONNECT_FAILURES.find((f) => f === v)

export const CONNECT_FAILURE_TEXT: Record<YouTubeConnectFailure, string> = {
  denied: 'Google did not grant access (cancelled on Google’s page). Nothing was connected.',
  state_unknown: 'This sign-in with Google was not started here. Start again with “Connect YouTube”.',
  state_used: 'This consent was already used. Start again with “Connect YouTube”.',
  state_expired: 'The consent took longer than 10 minutes. Start again with “Connect YouTube”.',
  code_refused: 'Google refused the authorization. Start again with “Connect YouTube”.',
  no_offline_access: 'Google gave no lasting access, so uploads could not run later. Connect again and allow it.',
  scopes_missing: 'Some permissions ytempire needs to upload were left unticked. Connect again and allow them all.',
  no_channel: 'That Google account has no YouTube channel. Create one on youtube.com, then connect again.',
  already_linked: 'That YouTube channel is already linked to another channel on this installation.',
  quota_spent: 'Today’s YouTube quota is spent. Connect again after midnight Pacific time.',
  google_unreachable: 'Google could not be reached to finish connecting. Try again shortly.',
  not_configured: 'YouTube is not configured on this installation (GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET).',
  failed: 'Connecting to YouTube failed. Try again; if it keeps failing, the server log says why.',
}

export type Tone = 'ok' | 'warn' | 'err' | 'busy' | 'muted'
export interface ChannelState {
  key: string
  label: string
  tone: Tone
}

/** The next reset when a quota bucket is spent (every publication waits for it), else undefined. */
export const quotaSpentUntil = (quota: Quota | undefined) => (quota?.buckets.some((b) => b.spent) ? quota.resetAt : undefined)

/**
 * A channel's publishing states, most pressing first: paused by the plan, reconnect needed, waiting for
 * quota or the upload limit, connected or not, the autopilot. `format` writes a time for people.
 */
export function channelStates(
  c: Pick<Channel, 'youtube' | 'autopilot' | 'paused' | 'pausedReason'>,
  ctx: { quota?: Quota; autopilotAllowed?: boolean; waitingVideos?: number; format: (iso: string) => string },
): ChannelState[] {
  const states: ChannelState[] = []
  if (c.paused)
    states.push(
      c.pausedReason === 'plan_limit'
        ? { key: 'plan-paused', label: 'Paused by plan: over its channel count', tone: 'err' }
        : { key: 'paused', label: 'Paused', tone: 'err' },
    )
  const yt = c.youtube
  if (!yt) states.push({ key: 'not-connected', label: 'Not connected to YouTube', tone: 'muted' })
  else if (yt.status === 'reconnect_needed') states.push({ key: 'reconnect', label: 'Reconnect needed', tone: 'err' })
  else {
    states.push({ key: 'connected', label: 'Connected', tone: 'ok' })
    const spent = quotaSpentUntil(ctx.quota)
    if (yt.uploadsPausedUntil)
      states.push({ key: 'upload-limit', label: `Upload limit: waiting until ${ctx.format(yt.uploadsPausedUntil)}`, tone: 'warn' })
    else if (spent) states.push({ key: 'quota', label: `Waiting for quota until ${ctx.format(spent)}`, tone: 'warn' })
    else if (ctx.waitingVideos) states.push({ key: 'waiting', label: `${ctx.waitingVideos} waiting to upload`, tone: 'warn' })
  }
  if (c.autopilot)
    states.push(
      ctx.autopilotAllowed === false
        ? { key: 'autopilot-plan', label: 'Autopilot paused by plan', tone: 'warn' }
        : { key: 'autopilot', label: 'Autopilot on', tone: 'ok' },
    )
  else states.push({ key: 'autopilot-off', label: 'Autopilot paused', tone: 'muted' })
  return states
}

const PUBLICATION_LABEL: Record<Publication['status'], string> = {
  queued: 'Queued for YouTube',
  waiting: 'Waiting',
  paused: 'Publishing paused',
  uploading: 'Uploading',
  uploaded: 'Uploaded',
  published: 'On YouTube',
  failed: 'Publishing failed',
}
const PUBLICATION_TONE: Record<Publication['status'], Tone> = {
  queued: 'busy',
  waiting: 'warn',
  paused: 'err',
  uploading: 'busy',
  uploaded: 'busy',
  published: 'ok',
  failed: 'err',
}
export const publicationLabel = (p: Pick<Publication, 'status'>) => PUBLICATION_LABEL[p.status]
export const publicationTone = (p: Pick<Publication, 'status'>) => PUBLICATION_TONE[p.status]

/** The core's message about a publication, with its instant written for people ("waiting for quota until ..."). */
export function publicationMessage(p: Pick<Publication, 'message' | 'waitingUntil'>, format: (iso: string) => string): string | null {
  if (!p.message) return null
  return sentence(p.waitingUntil ? p.message.replace(p.waitingUntil, format(p.waitingUntil)) : p.message)
}

/** The core's lower-case phrases ("the YouTube channel may not ...") as sentences. */
export const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * A publish request from the form: privacy (empty = the channel's default) and a `datetime-local` value in
 * the browser's time zone. A value the browser cannot read goes as typed, for the core to name the field.
 */
export function publishRequest(privacy: string, localPublishAt: string): PublishInput {
  const at = localPublishAt.trim()
  const when = at ? new Date(at) : undefined
  return {
    ...(privacy ? { privacy: privacy as PublishInput['privacy'] } : {}),
    ...(at ? { publishAt: when && !Number.isNaN(when.getTime()) ? when.toISOString() : at } : {}),
  }
}
