/**
 * Email addresses as identities. A person types their address in many shapes (`  Ana@Example.COM `);
 * the login, the invite and the unique index (`lower(email)`) must all see one. We trim and lower-case
 * the whole address: the local part is case-sensitive by RFC 5321, but no mailbox provider our users
 * meet treats it so, and two accounts differing only by case would be a support trap.
 */
import { z } from 'zod';

/** Longest address SMTP can carry (RFC 5321 path limit minus the angle brackets). */
const maxLength = 254;

export const emailSchema = z
  .string()
  .trim()
  .max(maxLength)
  .transform((v) => v.toLowerCase())
  .pipe(z.email());

export function normalizeEmail(raw: string): string | undefined {
  const parsed = emailSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
