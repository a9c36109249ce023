/**
 * Prefixed, sortable ids (`cmp_…`, `ctc_…`): a 48-bit millisecond timestamp and 80 random bits, in
 * Crockford base32, so ids sort by creation time and say what they are. Time and randomness come in
 * as arguments (core/ has no clock and no entropy of its own).
 */
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export const idPrefixes = {
  tenant: 'ten',
  user: 'usr',
  session: 'ses',
  contact: 'ctc',
  campaign: 'cmp',
  template: 'tpl',
  sendJob: 'job',
  importBatch: 'imp',
  prospect: 'prs',
  sendingNumber: 'num',
  event: 'evt',
  suppression: 'sup',
  outbox: 'obx',
  message: 'msg',
  request: 'req',
  audit: 'aud',
  skipTrace: 'skt',
  shortLink: 'lnk',
  cost: 'cst',
  queueProbe: 'qpr',
  alert: 'alt',
} as const;

export type IdKind = keyof typeof idPrefixes;

/** `random` must hold at least 10 bytes of entropy. */
export function newId(kind: IdKind, nowMs: number, random: Uint8Array): string {
  if (random.length < 10) throw new RangeError('newId needs at least 10 random bytes');
  let time = '';
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | (random[i] ?? 0);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rand += alphabet[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return `${idPrefixes[kind]}_${time}${rand}`;
}
