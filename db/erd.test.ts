import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderErd } from './erd';

describe('db/ERD.md', () => {
  it('matches the schema', async () => {
    const committed = await readFile(new URL('./ERD.md', import.meta.url), 'utf8').catch(() => '');
    const fresh = renderErd();
    if (committed !== fresh) {
      expect.fail('db/ERD.md is stale: the schema changed. Run `npm run db:erd` and commit db/ERD.md.');
    }
  });

  it('draws every table with its keys and a relationship per foreign key', () => {
    const text = renderErd();
    expect(text).toContain('erDiagram');
    expect(text).toMatch(/^ {2}contacts \{$/m);
    expect(text).toMatch(/^ {4}text e164 UK$/m);
    // contacts.tenant_id is kept by triggers, not a foreign key: drawn the same, and said so under the table.
    expect(text).toContain('tenants ||--o{ contacts : "tenant_id"');
    expect(text).toContain('- reference `contacts_tenant_id_tenants_id_fk` (tenant_id) → tenants, kept by triggers');
    expect(text).toContain('tenants |o--o{ webhook_events : "tenant_id"');
    expect(text).toContain('- unique index `contacts_tenant_phone_key` (tenant_id, phone_e164)');
  });
});
