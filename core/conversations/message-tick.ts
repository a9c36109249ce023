/**
 * The status mark a message shows in the inbox, from its send job's status. Four marks people know from
 * chat apps — queued (clock), sent (one tick), delivered (two ticks), failed (red) — plus `unknown` for
 * a job in reconciliation (the provider may have it; we never resend it blindly, so we do not claim
 * either way). Shared by the API (thread views) and the admin.
 */
export const messageTicks = ['queued', 'sent', 'delivered', 'failed', 'unknown'] as const;
export type MessageTick = (typeof messageTicks)[number];

export type JobStatus = 'queued' | 'deferred' | 'sending' | 'sent' | 'delivered' | 'failed' | 'skipped' | 'cancelled' | 'reconcile';

export function messageTick(status: JobStatus): MessageTick {
  switch (status) {
    case 'queued':
    case 'deferred':
    case 'sending':
      return 'queued';
    case 'sent':
      return 'sent';
    case 'delivered':
      return 'delivered';
    case 'failed':
    case 'skipped':
    case 'cancelled':
      return 'failed';
    case 'reconcile':
      return 'unknown';
  }
}

/**
 * Whether the person may ask for another attempt with the same text: only when we know the message did
 * not go (the provider refused it, reported it undelivered, or a gate stopped it). A job in
 * reconciliation may have been sent, so it is never retried from here.
 */
export function canRetry(kind: 'campaign' | 'conversation', status: JobStatus): boolean {
  return kind === 'conversation' && (status === 'failed' || status === 'skipped');
}

/** Twilio's codes a reply meets most (twilio.com/docs/api/errors), and the sandbox's stand-ins for them. */
const providerCodeWords: Readonly<Record<string, string>> = {
  '21211': 'Not a valid phone number',
  '21614': 'Not a mobile number',
  '21610': 'The recipient opted out',
  '21408': 'Region not enabled',
  '21612': 'Route not available',
  '30003': 'Handset unreachable',
  '30004': 'Blocked by the recipient',
  '30005': 'Unknown handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Filtered by the carrier',
  '20429': 'Provider busy',
  '20500': 'Provider unavailable',
  outcome_unknown: 'Outcome unknown',
};

/** Why a reply did not go, in words for the thread (gate reasons and our own codes; provider codes pass through). */
export function notSentReason(code: string | null): string {
  switch (code) {
    case null:
      return 'Not sent';
    case 'tenant_paused':
      return 'Not sent: sending is paused for your organisation';
    case 'daily_budget':
    case 'monthly_budget':
    case 'exceeds_budget':
      return 'Not sent: the SMS budget is spent';
    case 'dnc':
      return 'Not sent: this number is on the do-not-contact list';
    case 'opted_out':
      return 'Not sent: this contact opted out';
    case 'suppressed':
      return 'Not sent: this number is in a cooldown';
    case 'no_conversation_number':
      return 'Not sent: no 1:1 number to send from';
    case 'not_sent_in_time':
      return 'Not sent in time';
    default: {
      const words = providerCodeWords[code];
      return words === undefined ? `Failed (${code})` : `${words} (${code})`;
    }
  }
}
