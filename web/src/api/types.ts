// The shapes the pages use, derived from the Eden client (and so from the core's route schemas): a field
// renamed or retyped in the core breaks the web app's typecheck.
import type { api } from './session'

/** What a call of the Eden client answers with when it succeeds. */
export type Data<F extends (...args: never[]) => Promise<{ data: unknown }>> = NonNullable<Awaited<ReturnType<F>>['data']>

export type Channel = Data<typeof api.v1.channels.get>[number]
export type NewChannel = NonNullable<Parameters<typeof api.v1.channels.post>[0]>
export type ChannelChanges = NonNullable<Parameters<ReturnType<typeof api.v1.channels>['patch']>[0]>
export type Video = Data<typeof api.v1.videos.get>['items'][number]
export type VideoRequest = NonNullable<Parameters<ReturnType<typeof api.v1.channels>['videos']['post']>[0]>
export type VideoCost = Data<ReturnType<typeof api.v1.videos>['cost']['get']>
export type MonthlyCost = Data<typeof api.v1.me.costs.get>
export type Upload = Data<typeof api.v1.uploads.get>[number]
export type ApiKey = Data<(typeof api.v1)['api-keys']['get']>[number]
export type AuditEvent = Data<typeof api.v1.me.audit.get>[number]
export type Scene = Exclude<NonNullable<VideoRequest['script']>, string>['scenes'][number]
export type VideoAnalytics = Data<ReturnType<typeof api.v1.videos>['analytics']['get']>
export type ChannelAnalytics = Data<ReturnType<typeof api.v1.channels>['analytics']['get']>
export type MonthAnalytics = Data<typeof api.v1.me.analytics.get>
export type WebhookDelivery = Data<ReturnType<typeof api.v1.webhooks.endpoints>['deliveries']['get']>[number]
export type AdminUser = Data<typeof api.v1.admin.users.get>[number]
