import { useMutation, useQuery } from '@tanstack/react-query'
import { PAID_PLANS, PLAN_ENTITLEMENTS, PLANS } from '@ytempire/contract'
import { problemOf, unwrap } from '../api/problem'
import { billingQuery } from '../api/publishing'
import { api } from '../api/session'
import { bytes, Card, dateTime, LoadError, Loading, Usage } from '../ui/bits'
import { ProblemAlert } from '../ui/forms'
import { ReadOnlyNote, useCanWrite } from '../ui/write-access'

type Plan = (typeof PLANS)[number]

export function Billing() {
  const billing = useQuery(billingQuery)
  // Checkout and the portal are Stripe's pages: the browser goes there and comes back to /billing.
  const checkout = useMutation({
    mutationFn: (plan: (typeof PAID_PLANS)[number]) => unwrap(api.v1.billing.checkout.post({ plan })),
    onSuccess: (r) => window.location.assign(r.url),
  })
  const portal = useMutation({
    mutationFn: () => unwrap(api.v1.billing.portal.post()),
    onSuccess: (r) => window.location.assign(r.url),
  })
  const canWrite = useCanWrite()
  if (billing.isPending) return <Loading what="Loading your plan" />
  if (billing.error) return <LoadError error={billing.error} retry={() => billing.refetch()} />
  const b = billing.data
  const e = b.entitlements
  const live = b.subscription && !['canceled', 'incomplete_expired'].includes(b.subscription.status)
  return (
    <>
      <h1>Billing</h1>
      <section className="card" aria-labelledby="plan-h">
        <h2 id="plan-h">
          Plan: <span className="plan-name">{b.plan}</span>
        </h2>
        {b.subscription ? (
          <p>
            Subscription {b.subscription.status}
            {b.subscription.currentPeriodEnd &&
              `, ${b.subscription.cancelAtPeriodEnd ? 'ends' : 'renews'} ${dateTime(b.subscription.currentPeriodEnd)}`}
            {b.subscription.graceEndsAt && `; payment overdue, the plan is kept until ${dateTime(b.subscription.graceEndsAt)}`}
          </p>
        ) : (
          <p className="muted">No subscription.</p>
        )}
        {!b.billingEnabled && <p className="alert alert-info">Billing is off on this installation: an administrator sets plans.</p>}
        <ProblemAlert problem={problemOf(checkout.error ?? portal.error)} />
        {b.billingEnabled && !canWrite && <ReadOnlyNote />}
        {b.billingEnabled && canWrite && (
          <div className="actions">
            {live ? (
              <button type="button" className="button primary" onClick={() => portal.mutate()} disabled={portal.isPending}>
                Manage subscription (Stripe)
              </button>
            ) : (
              PAID_PLANS.map((p) => (
                <button key={p} type="button" className="button primary" onClick={() => checkout.mutate(p)} disabled={checkout.isPending}>
                  Upgrade to {p}
                </button>
              ))
            )}
          </div>
        )}
      </section>
      <Card id="usage-h" title="Usage">
        <p className="muted">
          This period: {dateTime(b.usage.periodStart)} to {dateTime(b.usage.periodEnd)} · {b.usage.videosCompleted} video
          {b.usage.videosCompleted === 1 ? '' : 's'} completed
        </p>
        <Usage label="Videos in the last 24 hours" used={b.usage.videosLastDay} limit={e.videosPerDay} />
        <Usage label="Channels" used={b.usage.channels} limit={e.channels} />
        <Usage label="Storage" used={b.usage.storageBytes} limit={e.storageBytes} format={bytes} />
        {b.usage.pausedChannels > 0 && (
          <p className="alert alert-error">
            {b.usage.pausedChannels} channel(s) paused: you own more than your plan allows. Upgrade, or delete channels.
          </p>
        )}
      </Card>
      <Card id="plans-h" title="Plans">
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col" className="num">
                  Channels
                </th>
                <th scope="col" className="num">
                  Videos / 24 h
                </th>
                <th scope="col" className="num">
                  Longest video
                </th>
                <th scope="col">Autopilot</th>
                <th scope="col" className="num">
                  Storage
                </th>
              </tr>
            </thead>
            <tbody>
              {PLANS.map((p: Plan) => {
                const x = PLAN_ENTITLEMENTS[p]
                return (
                  <tr key={p} className={p === b.plan ? 'current' : undefined}>
                    <th scope="row">
                      {p}
                      {p === b.plan && <span className="sr-only"> (your plan)</span>}
                    </th>
                    <td className="num">{x.channels}</td>
                    <td className="num">{x.videosPerDay}</td>
                    <td className="num">{Math.round(x.maxVideoSeconds / 60)} min</td>
                    <td>{x.autopilot ? 'yes' : 'no'}</td>
                    <td className="num">{bytes(x.storageBytes)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  )
}
