-- Lineage blocks hold seven arrays of one chunk's rows (~2 MB for 25,000 rows), compressed when
-- written. lz4 writes a block in about half the time of the default pglz (60 against 120-140 ms for
-- 25,000 rows; docs/imports.md, "Numbers"). A server built without lz4 (PGlite is one) keeps pglz.
DO $$
BEGIN
  ALTER TABLE "import_row_blocks"
    ALTER COLUMN "row_numbers" SET COMPRESSION lz4,
    ALTER COLUMN "decisions" SET COMPRESSION lz4,
    ALTER COLUMN "reasons" SET COMPRESSION lz4,
    ALTER COLUMN "phones" SET COMPRESSION lz4,
    ALTER COLUMN "record_ids" SET COMPRESSION lz4,
    ALTER COLUMN "byte_starts" SET COMPRESSION lz4,
    ALTER COLUMN "byte_ends" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
