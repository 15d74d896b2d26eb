// Each installation has an id of its own, made once by the core (kept in its database) and written to
// the artifact store for the render workers, which have no database. Unless QUEUE_PREFIX says
// otherwise, the queue namespace derives from it: two installations sharing a Redis (a demo beside a
// development core, two tenants on one server) never take each other's jobs or reports.

/** Where the id is kept in the artifact store: `{"id": "<uuid>"}`. */
export const INSTALLATION_KEY = 'installation.json'

/** The BullMQ prefix of an installation (the Redis Cluster hash tag is added by `keyPrefixFor`). */
export function installationQueuePrefix(installationId: string): string {
  return `ytempire-${installationId.replace(/-/g, '').slice(0, 12)}`
}
