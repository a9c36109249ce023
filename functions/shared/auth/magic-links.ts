/**
 * Magic-link tokens in the database: issued through a tenant scope (the token row belongs to the
 * user's tenant), redeemed by one atomic UPDATE that both checks and consumes the token, so two
 * clicks racing on the same link cannot both sign in.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { magicLinkExpiry, magicLinkUrl, magicLinkVerdict } from '../../../core/auth/magic-link';
import { hashToken, isOpaqueToken, newOpaqueToken, tokenBytes } from '../../../core/auth/opaque-token';
import type { Db } from '../../../db/client';
import { magicLinkTokens, tenants, users } from '../../../db/schema/index';
import type { TenantScope } from './tenant-scope';

/** Stores a new token for `userId` and returns the link to mail. The token itself is never stored. */
export async function issueMagicLink(
  scope: TenantScope,
  input: { userId: string; now: Date; random: (n: number) => Uint8Array; publicUrl: string; ip: string | null },
): Promise<string> {
  const token = newOpaqueToken(input.random(tokenBytes));
  await scope.insert(magicLinkTokens, {
    tokenHash: await hashToken(token),
    userId: input.userId,
    expiresAt: magicLinkExpiry(input.now),
    createdAt: input.now,
    requestedIp: input.ip,
  });
  return magicLinkUrl(input.publicUrl, token);
}

export type Redeemed = { ok: true; userId: string; tenantId: string } | { ok: false; reason: 'malformed' | 'unknown' | 'used' | 'expired' };

export async function redeemMagicLink(db: Db, token: string | undefined, now: Date): Promise<Redeemed> {
  if (!isOpaqueToken(token)) return { ok: false, reason: 'malformed' };
  const tokenHash = await hashToken(token);
  const [row] = await db
    .update(magicLinkTokens)
    .set({ usedAt: now })
    .where(and(eq(magicLinkTokens.tokenHash, tokenHash), isNull(magicLinkTokens.usedAt), gt(magicLinkTokens.expiresAt, now)))
    .returning({ userId: magicLinkTokens.userId, tenantId: magicLinkTokens.tenantId });
  if (row) return { ok: true, ...row };
  // Why it failed, for the log only: the caller answers the same 401 in every case.
  const [known] = await db.select({ expiresAt: magicLinkTokens.expiresAt, usedAt: magicLinkTokens.usedAt }).from(magicLinkTokens).where(eq(magicLinkTokens.tokenHash, tokenHash));
  if (!known) return { ok: false, reason: 'unknown' };
  const verdict = magicLinkVerdict(known, now);
  return { ok: false, reason: verdict === 'valid' ? 'used' : verdict };
}

/**
 * The one cross-tenant read of staff access: an email names its user, and so its tenant (emails are
 * unique across tenants). Disabled users are not found.
 */
export async function findActiveUserByEmail(db: Db, email: string): Promise<{ id: string; email: string; tenantId: string; tenantName: string } | undefined> {
  const [row] = await db
    .select({ id: users.id, email: users.email, tenantId: users.tenantId, tenantName: tenants.name })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(sql`lower(${users.email}) = ${email.toLowerCase()}`, isNull(users.disabledAt)))
    .limit(1);
  return row;
}
