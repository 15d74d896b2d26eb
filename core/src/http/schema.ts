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
