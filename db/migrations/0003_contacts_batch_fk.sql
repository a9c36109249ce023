ALTER TABLE "contacts" DROP CONSTRAINT "contacts_last_import_batch_id_import_batches_id_fk";
