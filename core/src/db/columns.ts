// Column builders the tables of schema.ts, publishing-schema.ts and analytics-schema.ts share.
import { type AnyPgColumn, bigserial, timestamp, uuid } from 'drizzle-orm/pg-core'
import { channels, users, videos } from './schema'

/** A moment, always with its time zone. */
export const at = (name: string) => timestamp(name, { withTimezone: true })
export const createdAt = () => at('created_at').notNull().defaultNow()
export const updatedAt = () => at('updated_at').notNull().defaultNow()

export const uuidId = () => uuid('id').primaryKey().defaultRandom()
/** An id in insertion order, for rows that are only ever appended. */
export const serialId = () => bigserial('id', { mode: 'number' }).primaryKey()

/** A row that belongs to its parent: it goes when the parent goes. */
export const cascadeRef = (name: string, parent: () => AnyPgColumn) => uuid(name).notNull().references(parent, { onDelete: 'cascade' })
/** A row that extends its parent one to one: keyed by the parent's id, it goes with the parent. */
export const extensionOf = (name: string, parent: () => AnyPgColumn) => uuid(name).primaryKey().references(parent, { onDelete: 'cascade' })

/** The account a row belongs to: the row goes with the account (GDPR erasure). */
export const ownerId = () => cascadeRef('user_id', () => users.id)
export const channelRef = () => cascadeRef('channel_id', () => channels.id)
export const videoRef = () => cascadeRef('video_id', () => videos.id)
/** A video the row mentions without depending on it: the row outlives the video. */
export const videoRefOrNull = () => uuid('video_id').references(() => videos.id, { onDelete: 'set null' })
