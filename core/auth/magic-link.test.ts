import { describe, expect, it } from 'vitest';
import { magicLinkExpiry, magicLinkMessage, magicLinkUrl, magicLinkVerdict } from './magic-link';

const now = new Date('2026-03-01T09:00:00.000Z');

describe('magic links', () => {
  it('expire 15 minutes after they are sent', () => {
    expect(magicLinkExpiry(now)).toEqual(new Date('2026-03-01T09:15:00.000Z'));
  });

  it.each([
    ['http://localhost:8787', 'http://localhost:8787/api/auth/magic-link/finish?token=abc-_Z'],
    ['https://reactor.example.com/', 'https://reactor.example.com/api/auth/magic-link/finish?token=abc-_Z'],
  ])('point at the API origin %s', (publicUrl, expected) => {
    expect(magicLinkUrl(publicUrl, 'abc-_Z')).toBe(expected);
  });

  it.each<[string, { expiresAt: Date; usedAt: Date | null }, string]>([
    ['fresh', { expiresAt: magicLinkExpiry(now), usedAt: null }, 'valid'],
    ['one ms before expiry', { expiresAt: new Date(now.getTime() + 1), usedAt: null }, 'valid'],
    ['at expiry', { expiresAt: now, usedAt: null }, 'expired'],
    ['used', { expiresAt: magicLinkExpiry(now), usedAt: now }, 'used'],
    ['used and expired', { expiresAt: now, usedAt: now }, 'used'],
  ])('%s → %s', (_case, token, verdict) => {
    expect(magicLinkVerdict(token, now)).toBe(verdict);
  });
});

describe('magicLinkMessage', () => {
  const link = 'http://localhost:8787/api/auth/magic-link/finish?token=abc';

  it('puts the link on its own line and says how long it lives', () => {
    const mail = magicLinkMessage({ to: 'ana@example.com', link, tenantName: 'Acme' });
    expect(mail.subject).toBe('Sign in to Revenue Reactor (Acme)');
    expect(mail.text.split('\n')).toContain(link);
    expect(mail.text).toContain('expires in 15 minutes');
    expect(mail).toMatchObject({ to: 'ana@example.com', link, tag: 'magic-link' });
  });

  it('names the tenant and who invited in an invite', () => {
    const mail = magicLinkMessage({ to: 'bo@example.com', link, tenantName: 'Acme', invitedBy: 'ana@example.com' });
    expect(mail.subject).toBe("You're invited to Acme on Revenue Reactor");
    expect(mail.text).toContain('ana@example.com invited you to Acme');
    expect(mail.tag).toBe('invite');
  });

  it('escapes tenant names in the HTML part', () => {
    const mail = magicLinkMessage({ to: 'bo@example.com', link, tenantName: '<script>x</script>' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&#60;script&#62;');
  });
});
