import { Counter, type Registry } from 'prom-client'

export interface AnalyticsMetrics {
  runs: Counter<'status'>
  rows: Counter
  deliveries: Counter<'outcome'>
}

export function createAnalyticsMetrics(registry: Registry): AnalyticsMetrics {
  return {
    runs: new Counter({
      name: 'analytics_runs_total',
      help: 'Analytics runs of a channel by how they ended: ok, waiting_quota, reconnect_needed, failed',
      labelNames: ['status'],
      registers: [registry],
    }),
    rows: new Counter({ name: 'analytics_rows_total', help: 'Daily analytics rows written or confirmed by runs', registers: [registry] }),
    deliveries: new Counter({
      name: 'websub_deliveries_total',
      help: 'WebSub deliveries by outcome: accepted, bad_signature, unknown_topic, malformed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  }
}
