// The little of autocannon the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Result {
    requests: { average: number; total: number }
    non2xx: number
  }
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): this
  }
  function autocannon(options: {
    url: string
    headers?: Record<string, string>
    connections?: number
    duration?: number
    overallRate?: number
  }): Instance
  export default autocannon
}
