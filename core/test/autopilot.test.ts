// The autopilot: slots in the channel's time zone across daylight-saving changes, BullMQ job
// schedulers firing ahead of each slot, one video per slot (private, publishAt = the slot), the
// backlog, and skipped slots that say why.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PIPELINE, titleKey, type VideoJob } from '@ytempire/contract'
import { waitUntil } from '@ytempire/test-support'
import { FakeGoogle } from '@ytempire/test-support/google'
import { getNextMillis } from 'bullmq'
import { eq } from 'drizzle-orm'
import { users, videoPublications } from '../src/db/schema'
import { zonedParts } from '../src/infra/clock'
import { AUTOPILOT_QUEUE } from '../src/modules/autopilot/service'
import { nextSlots, schedulerPattern, slotForFiring } from '../src/modules/autopilot/slots'
import { parseYouTubeConfig } from '../src/modules/youtube/config'
import { type Core, json, signUp, testEnv } from './harness'

const google = await new FakeGoogle().start()
const env = await testEnv((c) => ({ ...c, youtube: parseYouTubeConfig(google.env(), c.publicUrl), autopilotLeadMinutes: 360 }))
let core: Core
beforeAll(async () => {
  core = await env.core((c) => c, { autopilot: true })
})
afterAll(() => google.close())

const EVERY_DAY = { videosPerWeek: 7, days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], time: '09:00' }
const local = (at: number, tz: string) => {
  const p = zonedParts(at, tz)
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`
}

const SCRIPT = {
  title: 'Why the Sky Is Blue',
  description: 'Light, scattered.',
  tags: ['science'],
  scenes: [{ narration: 'Blue light scatters more than red light.', keywords: ['sky'] }],
}

/** The autopilot comes with the paid plans. */
async function proUser() {
  const s = await signUp(core)
  await core.deps.database.db.update(users).set({ plan: 'pro' }).where(eq(users.id, s.user.id))
  return s
}

let n = 0
async function connectedChannel(body: Record<string, unknown> = {}) {
  const s = await proUser()
  const ch = await json(
    await core.request('/v1/channels', {
      method: 'POST',
      token: s.accessToken,
      json: { name: 'Auto', niche: 'everyday science', ...body },
    }),
  )
  const { authorizationUrl } = await json(
    await core.request(`/v1/channels/${ch.id}/youtube/connect`, { method: 'POST', token: s.accessToken, json: {} }),
  )
  n++
  const consent = google.consent(authorizationUrl, {
    email: `a${n}@example.com`,
    channel: { id: `UCauto${n}`, title: `Auto ${n}`, longUploadsStatus: 'allowed' },
  })
  const linked = await core.request(
    `/v1/youtube/callback?code=${encodeURIComponent(consent.code)}&state=${encodeURIComponent(consent.state)}`,
  )
  expect(linked.status).toBe(200)
  return { s, ch }
}

describe('slots across daylight-saving changes', () => {
  test('New York, every day at 09:00: 14:00 UTC before the spring change, 13:00 UTC after, back in November', () => {
    const tz = 'America/New_York'
    const spring = nextSlots(EVERY_DAY, tz, Date.parse('2026-03-06T00:00:00Z'), 4)
    expect(spring.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ])
    const autumn = nextSlots(EVERY_DAY, tz, Date.parse('2026-10-31T00:00:00Z'), 3)
    expect(autumn.map((t) => new Date(t).toISOString())).toEqual([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-02T14:00:00.000Z',
    ])
    for (const t of [...spring, ...autumn]) expect(local(t, tz).endsWith('09:00')).toBe(true)
  })

  test("BullMQ's own scheduling of our cron pattern, firing 6 h ahead, lands every slot at 09:00 local through both changes", () => {
    for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Sydney']) {
      const cadence = { videosPerWeek: 3, days: ['mon', 'wed', 'fri'], time: '09:00' }
      const repeat = { pattern: schedulerPattern(cadence, 360), tz }
      let at = Date.parse('2026-03-01T00:00:00Z')
      const slots: number[] = []
      // A year of firings, as the job scheduler computes them one after the other.
      for (let i = 0; i < 160; i++) {
        at = getNextMillis(at, repeat)!
        const slot = slotForFiring(cadence, tz, at, 360)
        expect(slot).not.toBeNull()
        slots.push(slot!)
      }
      for (const s of slots) {
        expect(local(s, tz).endsWith('09:00')).toBe(true)
        expect(['Mon', 'Wed', 'Fri']).toContain(new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short' }).format(s))
      }
      expect(new Set(slots).size).toBe(slots.length)
    }
  })

  test('a lead longer than the posting hour fires the day before', () => {
    expect(schedulerPattern({ videosPerWeek: 1, days: ['mon'], time: '03:30' }, 360)).toBe('30 21 * * 0')
    expect(schedulerPattern({ videosPerWeek: 2, days: ['sun', 'sat'], time: '23:00' }, 60)).toBe('0 22 * * 0,6')
  })
})

describe('autopilot on a channel', () => {
  test('resume needs a paid plan, a connected channel and a complete cadence; the schedule lists the next slots in local time', async () => {
    const free = await signUp(core)
    const freeChannel = await json(
      await core.request('/v1/channels', { method: 'POST', token: free.accessToken, json: { name: 'x', niche: 'y' } }),
    )
    const notOnFree = await core.request(`/v1/channels/${freeChannel.id}/autopilot/resume`, { method: 'POST', token: free.accessToken })
    expect(notOnFree.status).toBe(403)
    expect((await json(notOnFree)).type).toEndWith('/plan-limit')

    const s = await proUser()
    const bare = await json(await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'x', niche: 'y' } }))
    const refused = await core.request(`/v1/channels/${bare.id}/autopilot/resume`, { method: 'POST', token: s.accessToken })
    expect(refused.status).toBe(409)
    expect((await json(refused)).type).toContain('youtube-not-connected')

    const { s: owner, ch } = await connectedChannel({ cadence: { videosPerWeek: 3, days: ['mon'], time: '10:00' } })
    const bad = await core.request(`/v1/channels/${ch.id}/autopilot/resume`, { method: 'POST', token: owner.accessToken })
    expect(bad.status).toBe(422)
    expect((await json(bad)).errors[0].field).toBe('cadence.days')

    await core.request(`/v1/channels/${ch.id}`, {
      method: 'PATCH',
      token: owner.accessToken,
      json: { cadence: { videosPerWeek: 2, days: ['tue', 'sat'], time: '18:30' }, timeZone: 'Europe/Berlin' },
    })
    const on = await json(await core.request(`/v1/channels/${ch.id}/autopilot/resume`, { method: 'POST', token: owner.accessToken }))
    expect(on.autopilot).toBe('active')
    expect(on.next.length).toBe(10)
    for (const slot of on.next) {
      expect(slot.localTime.endsWith('18:30')).toBe(true)
      expect(Date.parse(slot.slotAt) - Date.parse(slot.prepareAt)).toBe(360 * 60_000)
      expect(slot.source).toBe('none')
    }
    const queue = core.deps.jobs.queue<{ channelId: string }>(AUTOPILOT_QUEUE)
    const scheduler = await queue.getJobScheduler(`autopilot-${ch.id}`)
    expect(scheduler?.tz).toBe('Europe/Berlin')
    expect(scheduler?.next).toBe(Date.parse(on.next[0].prepareAt))

    // Another user sees nothing of it.
    const other = await signUp(core)
    expect((await core.request(`/v1/channels/${ch.id}/schedule`, { token: other.accessToken })).status).toBe(404)
    expect((await core.request(`/v1/channels/${ch.id}/autopilot/pause`, { method: 'POST', token: other.accessToken })).status).toBe(404)

    const off = await json(await core.request(`/v1/channels/${ch.id}/autopilot/pause`, { method: 'POST', token: owner.accessToken }))
    expect(off.autopilot).toBe('paused')
    expect(await queue.getJobScheduler(`autopilot-${ch.id}`)).toBeUndefined()
  })

  test('the backlog: scripts queue, topics need an LLM, used oldest first, removable', async () => {
    const { s, ch } = await connectedChannel()
    const topic = await core.request(`/v1/channels/${ch.id}/backlog`, {
      method: 'POST',
      token: s.accessToken,
      json: { items: [{ topic: 'why cats purr' }] },
    })
    expect(topic.status).toBe(422)
    expect((await json(topic)).errors[0].field).toBe('items.0.topic')
    const added = await core.request(`/v1/channels/${ch.id}/backlog`, {
      method: 'POST',
      token: s.accessToken,
      json: { items: [{ script: SCRIPT }, { script: { ...SCRIPT, title: 'Second' } }, { script: { ...SCRIPT, title: 'Third' } }] },
    })
    expect(added.status).toBe(201)
    const { items } = await json(added)
    expect((await core.request(`/v1/channels/${ch.id}/backlog/${items[2].id}`, { method: 'DELETE', token: s.accessToken })).status).toBe(
      204,
    )
    const listed = await json(await core.request(`/v1/channels/${ch.id}/backlog`, { token: s.accessToken }))
    expect(listed.items.map((i: any) => i.script.title)).toEqual(['Why the Sky Is Blue', 'Second'])
  })

  test('a firing makes its slot video once: private, publishAt = the slot, from the backlog; an empty backlog skips and says so', async () => {
    const { s, ch } = await connectedChannel({ timeZone: 'America/New_York' })
    await core.request(`/v1/channels/${ch.id}/backlog`, { method: 'POST', token: s.accessToken, json: { items: [{ script: SCRIPT }] } })
    const on = await json(await core.request(`/v1/channels/${ch.id}/autopilot/resume`, { method: 'POST', token: s.accessToken }))
    expect(on.next[0].source).toBe('backlog')
    expect(on.next[1].source).toBe('none')

    // The scheduler's next firing, run now instead of at its time: its slot is still the one it was made for.
    const queue = core.deps.jobs.queue<{ channelId: string }>(AUTOPILOT_QUEUE)
    const [firing] = (await queue.getJobs(['delayed'])).filter((j) => j.data.channelId === ch.id)
    expect(firing).toBeDefined()
    await firing!.promote()
    let schedule: any
    for (let i = 0; i < 100; i++) {
      schedule = await json(await core.request(`/v1/channels/${ch.id}/schedule`, { token: s.accessToken }))
      if (schedule.recent.length) break
      await Bun.sleep(100)
    }
    expect(schedule.recent[0]).toMatchObject({ slotAt: on.next[0].slotAt, status: 'made' })
    const video = await json(await core.request(`/v1/videos/${schedule.recent[0].videoId}`, { token: s.accessToken }))
    expect(video.title).toBe(SCRIPT.title)
    expect(video.youtube).toMatchObject({ status: 'queued', privacy: 'private', publishAt: on.next[0].slotAt, requestedBy: 'autopilot' })
    expect((await json(await core.request(`/v1/channels/${ch.id}/backlog`, { token: s.accessToken }))).items).toEqual([])

    // The same slot again (a duplicate firing): the same video, nothing new.
    const again = await core.services.autopilot.fired(ch.id, firing!.opts.prevMillis!)
    expect(again).toMatchObject({ status: 'made', videoId: video.id })
    const all = await json(await core.request(`/v1/videos?channelId=${ch.id}`, { token: s.accessToken }))
    expect(all.items.length).toBe(1)

    // The next slot: nothing left to make it from.
    const next = Date.parse(on.next[1].slotAt)
    const skipped = await core.services.autopilot.fired(ch.id, next - 360 * 60_000)
    expect(skipped?.status).toBe('skipped')
    expect(skipped?.reason).toContain('backlog is empty')
    schedule = await json(await core.request(`/v1/channels/${ch.id}/schedule`, { token: s.accessToken }))
    expect(schedule.recent[0]).toMatchObject({ slotAt: on.next[1].slotAt, status: 'skipped' })
    expect(schedule.recent[0].reason).toContain('backlog is empty')
    const [pub] = await core.deps.database.db.select().from(videoPublications).where(eq(videoPublications.videoId, video.id))
    expect(pub?.grantHash).toBeTruthy()
  })
})

describe('with an LLM configured', () => {
  test("the slot's video asks the LLM for a fresh subject in the niche, and its job carries every earlier title to check against", async () => {
    const { s, ch } = await connectedChannel({ timeZone: 'Europe/Paris' })
    // Earlier videos of the channel, and one of another channel (not the channel's title to avoid).
    for (const title of ['Why the Sky Is Blue', 'Static Electricity, Explained'])
      await core.request(`/v1/channels/${ch.id}/videos`, { method: 'POST', token: s.accessToken, json: { script: { ...SCRIPT, title } } })
    const other = await json(
      await core.request('/v1/channels', { method: 'POST', token: s.accessToken, json: { name: 'Other', niche: 'cooking' } }),
    )
    await core.request(`/v1/channels/${other.id}/videos`, {
      method: 'POST',
      token: s.accessToken,
      json: { script: { ...SCRIPT, title: 'Perfect Rice' } },
    })
    const on = await json(await core.request(`/v1/channels/${ch.id}/autopilot/resume`, { method: 'POST', token: s.accessToken }))

    // A core whose LLM is configured makes the slot's video (no backlog needed).
    const withLlm = await env.core((c) => ({ ...c, scriptLlmConfigured: true }))
    const made = await withLlm.services.autopilot.fired(ch.id, Date.parse(on.next[0].slotAt) - 360 * 60_000)
    expect(made).toMatchObject({ status: 'made' })
    const job = await waitUntil(async () => (await core.deps.pipeline.stageJob(made!.videoId!, PIPELINE.entry))?.data as VideoJob, {
      what: "the slot video's first job",
    })
    expect(job.topic).toBe('everyday science')
    expect(job.script).toBeUndefined()
    expect([...job.avoidTitles!].sort()).toEqual(['Static Electricity, Explained', 'Why the Sky Is Blue'])
    expect([...job.takenTitleKeys!].sort()).toEqual([titleKey('Static Electricity, Explained'), titleKey('Why the Sky Is Blue')].sort())
    expect(job.publish?.grant).toStartWith('ypg_')
  })
})
