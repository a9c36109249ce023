/**
 * The whole data model. drizzle-kit generates the migrations from this module, `db/client.ts` hands it
 * to Drizzle for `db.query`, and `scripts/erd.ts` draws db/ERD.md from it.
 */
export * from './tenants';
export * from './users';
export * from './audit-log';
export * from './contacts';
export * from './compliance';
export * from './sending-numbers';
export * from './campaigns';
export * from './send-jobs';
export * from './short-links';
export * from './events';
export * from './webhook-events';
export * from './conversations';
export * from './spend';
export * from './imports';
export * from './prospects';
export * from './counters';
export * from './outbox';
export * from './queue-probe';
export * from './sandbox-receipts';
export * from './relations';
