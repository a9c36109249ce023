/**
 * Is an address on the public internet? A tenant's admin may point alerts at a webhook of their own;
 * in production the server must not be made to POST into its own network (loopback, the private
 * ranges, link-local, where cloud metadata services live, or the carrier-grade NAT the platform may
 * use). These are the IANA special-purpose ranges that are not globally reachable (RFC 6890 and its
 * registry), for IPv4 and IPv6, including IPv6 forms that carry an IPv4 address inside.
 *
 * Pure: it parses the literal text and decides; resolving a name to its addresses is the caller's I/O.
 */

type Range = readonly [base: bigint, bits: number];

function v4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function v6(text: string): bigint | undefined {
  let body = text.toLowerCase();
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  // A trailing dotted IPv4 (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    const low = v4(tail);
    if (low === undefined || lastColon < 0) return undefined;
    body = `${body.slice(0, lastColon + 1)}${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest];
  let value = 0n;
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

const r4 = (base: string, bits: number): Range => [v4(base) ?? 0n, bits];
const r6 = (base: string, bits: number): Range => [v6(base) ?? 0n, bits];

const notPublic4: readonly Range[] = [
  r4('0.0.0.0', 8), // "this network"
  r4('10.0.0.0', 8),
  r4('100.64.0.0', 10), // carrier-grade NAT
  r4('127.0.0.0', 8),
  r4('169.254.0.0', 16), // link-local, cloud metadata
  r4('172.16.0.0', 12),
  r4('192.0.0.0', 24), // IETF protocol assignments
  r4('192.0.2.0', 24), // documentation
  r4('192.88.99.0', 24), // deprecated 6to4 relay
  r4('192.168.0.0', 16),
  r4('198.18.0.0', 15), // benchmarking
  r4('198.51.100.0', 24),
  r4('203.0.113.0', 24),
  r4('224.0.0.0', 4), // multicast
  r4('240.0.0.0', 4), // reserved, and the broadcast address
];

const notPublic6: readonly Range[] = [
  r6('::', 128), // unspecified
  r6('::1', 128), // loopback
  r6('100::', 64), // discard-only
  r6('2001:db8::', 32), // documentation
  r6('fc00::', 7), // unique local
  r6('fe80::', 10), // link-local
  r6('fec0::', 10), // deprecated site-local
  r6('ff00::', 8), // multicast
];

const within = (value: bigint, [base, bits]: Range, width: number) => value >> BigInt(width - bits) === base >> BigInt(width - bits);

const nat64Prefix = (v6('64:ff9b::') ?? 0n) >> 32n;

/** Which IPv4 address an IPv6 one carries, where it carries one that a host would reach over IPv4. */
function embeddedV4(value: bigint): bigint | undefined {
  const low32 = value & 0xffffffffn;
  if (value >> 32n === 0xffffn) return low32; // ::ffff:a.b.c.d, IPv4-mapped
  // ::a.b.c.d, the deprecated IPv4-compatible form (:: and ::1 fall in 0.0.0.0/8, not public either way)
  if (value >> 32n === 0n) return low32;
  if (value >> 32n === nat64Prefix) return low32; // NAT64, well-known prefix
  if (value >> 112n === 0x2002n) return (value >> 80n) & 0xffffffffn; // 6to4
  return undefined;
}

export type AddressVerdict = { public: true } | { public: false; reason: 'not_an_address' | 'special_purpose' };

/** The verdict on one IP address literal (IPv4 dotted quad, or IPv6 with or without brackets). */
export function judgeAddress(text: string): AddressVerdict {
  const literal = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const four = v4(literal);
  if (four !== undefined) return notPublic4.some((r) => within(four, r, 32)) ? { public: false, reason: 'special_purpose' } : { public: true };
  const six = v6(literal);
  if (six === undefined) return { public: false, reason: 'not_an_address' };
  const inner = embeddedV4(six);
  if (inner !== undefined) return judgeAddress(`${inner >> 24n}.${(inner >> 16n) & 255n}.${(inner >> 8n) & 255n}.${inner & 255n}`);
  return notPublic6.some((r) => within(six, r, 128)) ? { public: false, reason: 'special_purpose' } : { public: true };
}

/**
 * What is wrong with a URL as a target the server may call on a tenant's behalf in production, before
 * any name is resolved: not https (the URL is the webhook's credential), a special-purpose address
 * literal, or a name that only ever means this machine or its network. Undefined when it may be tried;
 * the addresses the name resolves to are judged again at each delivery.
 */
const notPublicTarget = 'must be a public address, not this server or its network';

export function publicTargetProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a URL';
  }
  if (parsed.protocol !== 'https:') return 'must be an https URL';
  const host = parsed.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return notPublicTarget;
  const verdict = judgeAddress(host);
  if (verdict.public) return undefined;
  if (verdict.reason === 'special_purpose') return notPublicTarget;
  // A name: judged by its addresses when it is called.
  return /^[a-z0-9.-]+$/.test(host) && host.includes('.') ? undefined : 'must name a public host';
}
