-- contacts.tenant_id is checked once per statement instead of once per row. A foreign key runs a
-- lookup and a key-share lock on the tenant for every row written: about a fifth of a 25,000-row import
-- chunk's insert (docs/imports.md, "Numbers"). These triggers keep the same rule: a contact names a
-- tenant that exists, that tenant cannot be deleted (or renumbered) while it has contacts, and
-- concurrent deletes wait for the writer's commit (the key-share lock, taken once per tenant).
CREATE FUNCTION "contacts_tenant_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted int;
  found int;
BEGIN
  SELECT count(DISTINCT tenant_id) INTO wanted FROM new_contacts;
  SELECT count(*) INTO found FROM (
    SELECT 1 FROM "tenants" WHERE "id" IN (SELECT tenant_id FROM new_contacts) FOR KEY SHARE
  ) t;
  IF found < wanted THEN
    RAISE foreign_key_violation USING MESSAGE = 'insert on table "contacts" names a tenant that does not exist',
      CONSTRAINT = 'contacts_tenant_id_tenants_id_fk';
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "contacts_tenant_check" AFTER INSERT ON "contacts"
  REFERENCING NEW TABLE AS new_contacts FOR EACH STATEMENT EXECUTE FUNCTION "contacts_tenant_check"();
--> statement-breakpoint
CREATE FUNCTION "contacts_tenant_fixed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE foreign_key_violation USING MESSAGE = 'a contact cannot move to another tenant',
    CONSTRAINT = 'contacts_tenant_id_tenants_id_fk';
END $$;
--> statement-breakpoint
CREATE TRIGGER "contacts_tenant_fixed" BEFORE UPDATE OF "tenant_id" ON "contacts"
  FOR EACH ROW WHEN (OLD."tenant_id" IS DISTINCT FROM NEW."tenant_id") EXECUTE FUNCTION "contacts_tenant_fixed"();
--> statement-breakpoint
CREATE FUNCTION "tenants_keep_contacts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "contacts" WHERE "tenant_id" = OLD."id") THEN
    RAISE foreign_key_violation USING MESSAGE = format('tenant %s still has contacts', OLD."id"),
      CONSTRAINT = 'contacts_tenant_id_tenants_id_fk';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "tenants_keep_contacts_delete" BEFORE DELETE ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION "tenants_keep_contacts"();
--> statement-breakpoint
CREATE TRIGGER "tenants_keep_contacts_update" BEFORE UPDATE OF "id" ON "tenants"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id") EXECUTE FUNCTION "tenants_keep_contacts"();
