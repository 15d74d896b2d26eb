// TypeBox building blocks every model uses.
import type { SchemaOptions, TLiteral, TUnion } from '@sinclair/typebox'
import { t } from 'elysia'

/** Unknown fields are refused (the problem names them), never silently dropped. */
export const strict = { additionalProperties: false } as const

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> }

/** A closed list of strings from one of the contract's tuples; its static type is the tuple's union. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, options?: SchemaOptions): TUnion<Literals<T>> =>
  t.Union(
    values.map((v) => t.Literal(v)),
    options,
  ) as unknown as TUnion<Literals<T>>

/** A page offset: PostgreSQL refuses one past bigint, and no listing here has a million rows. */
export const Offset = t.Integer({ minimum: 0, maximum: 1_000_000 })
/** A position in a bigserial column (`before=<id>`): ids stay below 2^53, where JavaScript numbers are exact. */
export const IdCursor = t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

/** A row's id (every table's `id` is a uuid). */
export const Uuid = t.String({ format: 'uuid' })
/** The `:id` of a path naming one row. */
export const IdParams = t.Object({ id: Uuid })
