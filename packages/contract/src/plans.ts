// What each plan entitles its holder to, once. The core enforces the limits, billing maps Stripe
// prices to plans, and the render queues take their priority from here.
import { PLANS, type Plan } from './values'

export interface Entitlements {
  /** Channels an account may own; over it (after a downgrade) the newest are paused. */
  channels: number
  /** Videos an account may ask for in any 24 hours. */
  videosPerDay: number
  /** Longest video: what may be asked for (`targetSeconds`), and how long its narration may turn out. */
  maxVideoSeconds: number
  /** Narration of one video, all scenes together, in characters (speech runs at about 15 a second). */
  narrationChars: number
  /** Media one video may name (`media`). */
  mediaItems: number
  /** Bytes of media one video may download (its own media, stock clips, music), together. */
  mediaBytes: number
  /** BullMQ priority of the account's jobs: lower runs first, 1 is the highest. */
  queuePriority: number
  /** Channels may publish on their cadence without a person asking for each video. */
  autopilot: boolean
  /** Stored bytes of the account: uploads and every file of its videos together. */
  storageBytes: number
}

const GiB = 1024 ** 3

// Narration caps follow the longest video at ~20 characters a second (room for fast voices).
export const PLAN_ENTITLEMENTS: Readonly<Record<Plan, Readonly<Entitlements>>> = {
  free: {
    channels: 5,
    videosPerDay: 10,
    maxVideoSeconds: 300,
    narrationChars: 6_000,
    mediaItems: 20,
    mediaBytes: 1 * GiB,
    queuePriority: 10,
    autopilot: false,
    storageBytes: 5 * GiB,
  },
  pro: {
    channels: 25,
    videosPerDay: 100,
    maxVideoSeconds: 1200,
    narrationChars: 24_000,
    mediaItems: 100,
    mediaBytes: 5 * GiB,
    queuePriority: 5,
    autopilot: true,
    storageBytes: 100 * GiB,
  },
  premium: {
    channels: 100,
    videosPerDay: 500,
    maxVideoSeconds: 1800,
    narrationChars: 36_000,
    mediaItems: 200,
    mediaBytes: 20 * GiB,
    queuePriority: 1,
    autopilot: true,
    storageBytes: 1024 * GiB,
  },
}

/** What the workers enforce of a plan for one video (what only they can see: the spoken length, the bytes downloaded, an LLM's script). */
export type JobLimits = Pick<Entitlements, 'maxVideoSeconds' | 'narrationChars' | 'mediaBytes'>

/** BullMQ runs lower numbers first. Every job gets one: unprioritised jobs would jump the queue. */
export const PLAN_PRIORITY = Object.fromEntries(PLANS.map((p) => [p, PLAN_ENTITLEMENTS[p].queuePriority])) as Readonly<Record<Plan, number>>

/** The plans someone pays for (each has a Stripe price). */
export type PaidPlan = Exclude<Plan, 'free'>
export const PAID_PLANS = PLANS.filter((p): p is PaidPlan => p !== 'free') as unknown as readonly [PaidPlan, ...PaidPlan[]]
