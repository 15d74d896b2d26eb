// The least a worker can do under `wrangler dev`: the benchmark's floor for local workerd.
const body = JSON.stringify({ ok: true })
export default {
  fetch() {
    return new Response(body, { headers: { 'content-type': 'application/json', 'x-request-id': 'floor', 'ratelimit-limit': '0' } })
  },
}
