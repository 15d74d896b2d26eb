// Small readers for environment variables that fail at start with the variable's name.
type Env = Record<string, string | undefined>

/** A non-negative number that `accepts` takes, or the fallback when the variable is unset or empty. */
function nonNegative(env: Env, name: string, fallback: number, accepts: (n: number) => boolean, what: string): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!accepts(n) || n < 0) throw new Error(`${name} must be a non-negative ${what}, got "${raw}"`)
  return n
}

export const z = {
  int: (env: Env, name: string, fallback: number): number => nonNegative(env, name, fallback, Number.isInteger, 'integer'),
  /** A non-negative number, fractions allowed (e.g. days). */
  number: (env: Env, name: string, fallback: number): number => nonNegative(env, name, fallback, Number.isFinite, 'number'),
  oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
    return raw as T
  },
}
