import { describe, expect, it } from 'vitest';
import { contactAsWritten, indexContacts, withWritten } from './contact-lookups';
import type { ContactValues, ExistingContact } from './decide-contact-rows';

function contact(id: string, phoneE164: string, email: string | null, overrides: Partial<ExistingContact> = {}): ExistingContact {
  return { id, phoneE164, email, firstName: null, lastName: null, country: 'AU', timezone: null, tags: [], attributes: {}, lastImportBatchId: null, lastImportRow: null, ...overrides };
}

function values(phoneE164: string, email: string | null, overrides: Partial<ContactValues> = {}): ContactValues {
  return { phoneE164, email, firstName: null, lastName: null, country: 'AU', timezone: null, tags: [], attributes: {}, ...overrides };
}

/** What a lookup of these keys finds in `table`: every contact with one of the phones or emails. */
function lookUp(table: readonly ExistingContact[], phones: ReadonlySet<string>, emails: ReadonlySet<string>): ExistingContact[] {
  return table.filter((c) => phones.has(c.phoneE164) || (c.email !== null && emails.has(c.email)));
}

/** The table after a chunk's writes: updated contacts replaced, created ones added. */
function applied(table: readonly ExistingContact[], written: readonly ExistingContact[]): ExistingContact[] {
  const byId = new Map(table.map((c) => [c.id, c]));
  for (const c of written) byId.set(c.id, c);
  return [...byId.values()];
}

/** A small seeded generator (mulberry32), so a failure names its case. */
function generator(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T, chance: (p: number) => next() < p };
}

describe('indexContacts', () => {
  it('matches phones exactly and each email to its oldest contact, whatever order they were found in', () => {
    const found = [
      contact('ctc_03', '+61400000003', 'shared@example.com'),
      contact('ctc_01', '+61400000001', 'shared@example.com'),
      contact('ctc_02', '+61400000002', null),
      contact('ctc_09', '+61400000009', 'other@example.com'),
    ];
    const { byPhone, byEmail } = indexContacts(found, new Set(['+61400000002', '+61400000003']), new Set(['shared@example.com']));
    expect([...byPhone].map(([phone, c]) => [phone, c.id])).toEqual([
      ['+61400000002', 'ctc_02'],
      ['+61400000003', 'ctc_03'],
    ]);
    expect([...byEmail].map(([email, c]) => [email, c.id])).toEqual([['shared@example.com', 'ctc_01']]);
  });
});

describe('withWritten', () => {
  const batchId = 'imp_this';

  it('forgets the old phone and email of a contact the chunk before moved, and the email falls to the next-oldest contact', () => {
    const before = [contact('ctc_01', '+61400000001', 'pat@example.com'), contact('ctc_05', '+61400000005', 'pat@example.com')];
    // Chunk n matched ctc_01 by another key and gave it a new phone and email.
    const written = [contactAsWritten('ctc_01', values('+61400000099', 'new@example.com'), batchId, 7)];
    const phones = new Set(['+61400000001']);
    const emails = new Set(['pat@example.com']);
    const { byPhone, byEmail } = indexContacts(withWritten(lookUp(before, phones, emails), written), phones, emails);
    expect(byPhone.size).toBe(0);
    expect(byEmail.get('pat@example.com')?.id).toBe('ctc_05');
  });

  it('adds what the chunk before created, stamped with the batch and row, so the next chunk sees it as this import’s', () => {
    const written = [contactAsWritten('ctc_07', values('+61400000007', 'sam@example.com', { firstName: 'Sam', tags: ['vip'] }), batchId, 12)];
    const { byPhone } = indexContacts(withWritten([], written), new Set(['+61400000007']), new Set());
    expect(byPhone.get('+61400000007')).toEqual(contact('ctc_07', '+61400000007', 'sam@example.com', { firstName: 'Sam', tags: ['vip'], lastImportBatchId: batchId, lastImportRow: 12 }));
  });

  it('gives what a lookup after the writes finds, whether the lookup ran before them or after (2,000 random cases)', () => {
    const phonePool = Array.from({ length: 12 }, (_, i) => `+614000000${String(i).padStart(2, '0')}`);
    const emailPool = [null, 'a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];
    for (let seed = 1; seed <= 2000; seed++) {
      const g = generator(seed);
      // A tenant: phones are unique, emails are not.
      const table: ExistingContact[] = [];
      for (const phone of phonePool) if (g.chance(0.5)) table.push(contact(`ctc_${String(table.length * 2 + 10)}`, phone, g.pick(emailPool)));
      // Chunk n: updates some contacts (new phone from the free ones, any email) and creates some.
      const free = () => phonePool.filter((p) => !applied(table, written).some((c) => c.phoneE164 === p));
      const written: ExistingContact[] = [];
      for (const c of table) {
        if (!g.chance(0.3)) continue;
        const phone = g.chance(0.5) ? c.phoneE164 : (g.pick(free()) ?? c.phoneE164);
        written.push(contactAsWritten(c.id, values(phone, g.pick(emailPool)), batchId, written.length + 1));
      }
      for (let i = 0; i < 3; i++) {
        const phone = g.pick(free());
        if (phone !== undefined && g.chance(0.6)) written.push(contactAsWritten(`ctc_${90 + i}`, values(phone, g.pick(emailPool)), batchId, written.length + 1));
      }
      const after = applied(table, written);
      // Chunk n+1's keys.
      const phones = new Set(phonePool.filter(() => g.chance(0.4)));
      const emails = new Set(emailPool.filter((e): e is string => e !== null && g.chance(0.5)));

      const fresh = indexContacts(lookUp(after, phones, emails), phones, emails);
      for (const seen of [table, after]) {
        const early = indexContacts(withWritten(lookUp(seen, phones, emails), written), phones, emails);
        expect({ seed, byPhone: [...early.byPhone], byEmail: [...early.byEmail] }).toEqual({ seed, byPhone: [...fresh.byPhone], byEmail: [...fresh.byEmail] });
      }
    }
  });
});
