ALTER TABLE "contacts" DROP CONSTRAINT "contacts_tenant_id_tenants_id_fk";
