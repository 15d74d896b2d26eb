// What billing needs from a payment provider. Stripe is the one implementation (stripe.ts); with no
// provider configured, billing is off and administrators set plans.

export interface SubscriptionState {
  id: string
  customerId: string
  /** active, trialing, past_due, unpaid, canceled, incomplete, incomplete_expired, paused */
  status: string
  priceIds: string[]
  currentPeriodStart?: Date
  currentPeriodEnd?: Date
  cancelAtPeriodEnd: boolean
}

/** A verified provider event, reduced to what billing acts on. */
export interface PaymentEvent {
  id: string
  type: string
  /** The customer and subscription it concerns, when it names them. */
  customerId?: string
  subscriptionId?: string
}

export interface Payments {
  /** Creates the customer; the same idempotency key within a day answers with the same customer. */
  createCustomer(user: { id: string; email: string }, idempotencyKey: string): Promise<string>
  checkoutSession(p: { customerId: string; userId: string; priceIds: string[]; successUrl: string; cancelUrl: string }): Promise<{
    id: string
    url: string
  }>
  portalSession(p: { customerId: string; returnUrl: string }): Promise<{ url: string }>
  /**
   * Deletes the customer (account erasure): the provider cancels its subscriptions at once and keeps no
   * payment method. A customer the provider no longer has counts as deleted.
   */
  deleteCustomer(customerId: string): Promise<void>
  /** The subscription as the provider has it now. */
  subscription(id: string): Promise<SubscriptionState>
  /** Verifies a webhook on its raw body; throws InvalidSignatureError. */
  verifyWebhook(rawBody: string, signature: string): Promise<PaymentEvent>
  /** Reports metered usage once per identifier. */
  reportUsage(
    p: { eventName: string; customerId: string; identifier: string; value: number; at: Date },
    idempotencyKey: string,
  ): Promise<void>
}
