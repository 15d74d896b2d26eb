// Small readers for environment variables that fail at start with the variable's name.
export const z = {
  int(env: Record<string, string | undefined>, name: string, fallback: number): number {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
    return n
  },
  /** A non-negative number, fractions allowed (e.g. days). */
  number(env: Record<string, string | undefined>, name: string, fallback: number): number {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`)
    return n
  },
  oneOf<T extends string>(env: Record<string, string | undefined>, name: string, allowed: readonly T[], fallback: T): T {
    const raw = env[name]
    if (raw === undefined || raw === '') return fallback
    if (!(allowed as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
    return raw as T
  },
}
