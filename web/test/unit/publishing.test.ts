import { describe, expect, test } from 'bun:test'
import {
  channelStates,
  connectOutcomeOf,
  isPublishing,
  type Publication,
  publicationMessage,
  publishRequest,
  type Quota,
} from '../../src/api/publishing'
import { pollInterval } from '../../src/api/queries'
import type { Channel } from '../../src/api/types'

const connection: NonNullable<Channel['youtube']> = {
  youtubeChannelId: 'UC1',
  title: 'Facts TV',
  url: 'https://www.youtube.com/channel/UC1',
  thumbnailUrl: null,
  status: 'connected',
  message: null,
  customThumbnails: true,
  monetaryAnalytics: false,
  scopes: [],
  uploadsPausedUntil: null,
  connectedAt: '2026-03-01T10:00:00.000Z',
}
const channel = { youtube: connection, autopilot: false, paused: false, pausedReason: null }
const quota = (spent: boolean): Quota => ({
  project: '1',
  day: '2026-03-08',
  resetAt: '2026-03-09T07:00:00.000Z',
  buckets: [{ bucket: 'upload', limit: 100, used: spent ? 100 : 3, remaining: spent ? 0 : 97, spent }],
})
const format = (iso: string) => `<${iso.slice(11, 16)}>`
const labels = (...args: Parameters<typeof channelStates>) => channelStates(...args).map((s) => s.label)

describe("a channel's publishing states", () => {
  test('connected, not connected, reconnect needed', () => {
    expect(labels(channel, { format })).toEqual(['Connected', 'Autopilot paused'])
    expect(labels({ ...channel, youtube: null }, { format })).toEqual(['Not connected to YouTube', 'Autopilot paused'])
    expect(labels({ ...channel, youtube: { ...connection, status: 'reconnect_needed' } }, { format })[0]).toBe('Reconnect needed')
  })

  test('waiting for quota, for the upload limit, or with videos waiting', () => {
    expect(labels(channel, { format, quota: quota(true) })).toContain('Waiting for quota until <07:00>')
    expect(labels(channel, { format, quota: quota(false) })).not.toContain('Waiting for quota until <07:00>')
    const limited = { ...channel, youtube: { ...connection, uploadsPausedUntil: '2026-03-09T12:30:00.000Z' } }
    expect(labels(limited, { format, quota: quota(true) })).toContain('Upload limit: waiting until <12:30>')
    expect(labels(channel, { format, waitingVideos: 2 })).toContain('2 waiting to upload')
  })

  test('the autopilot, and the plan pausing it or the channel', () => {
    expect(labels({ ...channel, autopilot: true }, { format, autopilotAllowed: true })).toContain('Autopilot on')
    expect(labels({ ...channel, autopilot: true }, { format, autopilotAllowed: false })).toContain('Autopilot paused by plan')
    expect(labels({ ...channel, paused: true, pausedReason: 'plan_limit' }, { format })[0]).toBe('Paused by plan: over its channel count')
  })
})

const publication = (over: Partial<Publication>): Publication => ({
  status: 'queued',
  privacy: 'private',
  publishAt: null,
  youtubeVideoId: null,
  url: null,
  thumbnail: 'pending',
  warnings: [],
  waitingUntil: null,
  message: null,
  requestedBy: 'api',
  uploadedAt: null,
  youtubePublishedAt: null,
  deletedOnYouTubeAt: null,
  ...over,
})

describe('a publication', () => {
  test('"waiting for quota until ..." with the time written for people', () => {
    const waiting = publication({
      status: 'waiting',
      waitingUntil: '2026-03-09T07:00:00.000Z',
      message: 'waiting for quota until 2026-03-09T07:00:00.000Z',
    })
    expect(publicationMessage(waiting, format)).toBe('Waiting for quota until <07:00>')
    expect(publicationMessage(publication({}), format)).toBeNull()
  })

  test('on its way while queued, waiting or uploading; polled often unless it only waits', () => {
    const video = (status: string, youtube: Publication | null = null) => ({ status, youtube }) as never
    expect(isPublishing({ youtube: publication({ status: 'uploading' }) })).toBe(true)
    expect(isPublishing({ youtube: publication({ status: 'published' }) })).toBe(false)
    expect(pollInterval([video('completed', publication({ status: 'uploading' }))])).toBe(2000)
    expect(pollInterval([video('completed', publication({ status: 'waiting' }))])).toBe(30_000)
    expect(pollInterval([video('running')])).toBe(2000)
    expect(pollInterval([video('completed', publication({ status: 'published' }))])).toBe(false)
  })
})

describe('the publish form', () => {
  test('a local date-time becomes an instant; empty fields are left to the channel', () => {
    expect(publishRequest('', '')).toEqual({})
    const local = '2026-07-01T18:30'
    expect(publishRequest('private', local)).toEqual({ privacy: 'private', publishAt: new Date(local).toISOString() })
    // Something the browser cannot read goes as typed, for the core to name the field.
    expect(publishRequest('', 'tomorrow')).toEqual({ publishAt: 'tomorrow' })
  })

  test("the callback's answer in the address is one of the known outcomes", () => {
    expect(connectOutcomeOf('connected')).toBe('connected')
    expect(connectOutcomeOf('state_expired')).toBe('state_expired')
    expect(connectOutcomeOf('<script>')).toBeUndefined()
  })
})
