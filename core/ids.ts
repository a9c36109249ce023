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

/** Two base32 characters for each 10-bit value: an id's random part is 8 lookups, not 16 shifts. */
const pairs = Array.from({ length: 1024 }, (_, v) => `${alphabet[v >> 5]}${alphabet[v & 31]}`);

/** The 10-character time part of the last millisecond asked for (an import mints 25,000 ids in one). */
let lastMs = Number.NaN;
let lastTime = '';

function timePart(nowMs: number): string {
  const ms = Math.floor(nowMs);
  if (ms === lastMs) return lastTime;
  let time = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  lastMs = ms;
  lastTime = time;
  return time;
}

/** 40 bits (5 bytes from `at`) as 8 characters, most significant first. */
function fortyBits(r: Uint8Array, at: number): string {
  const p = r[at] ?? 0;
  const q = r[at + 1] ?? 0;
  const s = r[at + 2] ?? 0;
  const u = r[at + 3] ?? 0;
  const v = r[at + 4] ?? 0;
  return `${pairs[(p << 2) | (q >> 6)]}${pairs[((q & 63) << 4) | (s >> 4)]}${pairs[((s & 15) << 6) | (u >> 2)]}${pairs[((u & 3) << 8) | v]}`;
}

/** `random` must hold at least 10 bytes of entropy. */
export function newId(kind: IdKind, nowMs: number, random: Uint8Array): string {
  if (random.length < 10) throw new RangeError('newId needs at least 10 random bytes');
  return `${idPrefixes[kind]}_${timePart(nowMs)}${fortyBits(random, 0)}${fortyBits(random, 5)}`;
}
