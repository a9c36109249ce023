/**
 * Tenant isolation in one place. A handler never receives the raw `db` for tenant data: it gets a
 * `TenantScope` from the staff-access middleware (`c.var.staff.scope`), bound to the session's tenant.
 * Every read, update and delete the scope runs carries `tenant_id = <the session's tenant>`, and every
 * insert gets that tenant id written by the scope (a caller cannot pass another). A row of another
 * tenant is therefore invisible: `get` answers `not_found` (404), exactly as for an id that does not
 * exist, so ids never leak across tenants.
 *
 * Mutations go through `mutate(action, fn)`: one transaction, and exactly one audit row written inside
 * it (who, what, target, when, request id), so a change and its audit entry commit or vanish together.
 *
 * What the scope cannot check: an id taken from a request and written into a foreign-key column of a
 * new row (e.g. a template id into a campaign). Read the referenced row through the scope first
 * (`get`), which proves it belongs to the tenant.
 */
import { and, count as countRows, eq, getTableName, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable, PgUpdateSetSource, PgInsertValue } from 'drizzle-orm/pg-core';
import { DomainError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { Db } from '../../../db/client';
import { auditLog, tenants } from '../../../db/schema/index';

/** Any table with a `tenant_id` column. */
export type TenantTable = PgTable & { tenantId: AnyPgColumn };
export type RowOf<T extends TenantTable> = T['$inferSelect'];
/** Insert values without `tenantId`: the scope writes it. */
export type NewRowOf<T extends TenantTable> = Omit<T['$inferInsert'], 'tenantId'>;
export type ChangesOf<T extends TenantTable> = Partial<Omit<T['$inferInsert'], 'tenantId'>>;

export type FindOptions = {
  where?: SQL | undefined;
  orderBy?: (AnyPgColumn | SQL)[];
  limit?: number;
  /** `SELECT … FOR UPDATE`: lock the rows until the transaction ends (inside `mutate` only). */
  forUpdate?: boolean;
};

export type AuditEntry = {
  /** A dotted verb, e.g. `user.invite`, `campaign.pause`. */
  action: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
};

export type TenantScope = {
  readonly tenantId: string;
  /** The tenant's own row (name, settings, pause state). */
  tenant(): Promise<typeof tenants.$inferSelect>;
  findMany<T extends TenantTable>(table: T, options?: FindOptions): Promise<RowOf<T>[]>;
  findFirst<T extends TenantTable>(table: T, where: SQL, options?: Omit<FindOptions, 'where' | 'limit'>): Promise<RowOf<T> | undefined>;
  /** Like findFirst, but a missing row (or another tenant's) is a `not_found` DomainError → 404. */
  get<T extends TenantTable>(table: T, where: SQL, options?: Omit<FindOptions, 'where' | 'limit'> & { what?: string }): Promise<RowOf<T>>;
  count<T extends TenantTable>(table: T, where?: SQL): Promise<number>;
  insert<T extends TenantTable>(table: T, values: NewRowOf<T>): Promise<RowOf<T>>;
  insertMany<T extends TenantTable>(table: T, values: NewRowOf<T>[]): Promise<RowOf<T>[]>;
  /** Rows changed (possibly none). */
  update<T extends TenantTable>(table: T, where: SQL, changes: ChangesOf<T>): Promise<RowOf<T>[]>;
  /** Exactly one row changed, else `not_found`. */
  updateOne<T extends TenantTable>(table: T, where: SQL, changes: ChangesOf<T>, what?: string): Promise<RowOf<T>>;
  delete<T extends TenantTable>(table: T, where: SQL): Promise<RowOf<T>[]>;
};

export type Actor = {
  /** The person acting; null when the system acts on its own (auto-pause, spend cap). */
  userId: string | null;
  /** The request's correlation id (x-request-id), or the queue message's. */
  requestId: string | null;
};

export type MutationResult<R> = { result: R } & Omit<AuditEntry, 'action'>;

export type StaffScope = TenantScope & {
  readonly actor: Actor;
  /**
   * Runs `fn` in one transaction with a scope bound to it and writes exactly one audit row for
   * `action` (with the target and details `fn` returns) before commit. A throw rolls back both.
   * `within`: an enclosing transaction of an area's own set-based SQL (handed in as a service, like
   * the Ingestor's and the Broadcaster's): the mutation and its audit row then commit with that work
   * (as a savepoint inside it), never without it.
   */
  mutate<R>(action: string, fn: (tx: TenantScope) => Promise<MutationResult<R>>, options?: { within?: Db }): Promise<R>;
  /** How many mutations this scope has committed (the middleware warns about an unaudited change). */
  mutations(): number;
};

export type ScopeOptions = {
  tenantId: string;
  actor: Actor;
  now: () => Date;
  random: (length: number) => Uint8Array;
};

/** `and` of several conditions, typed as a definite SQL (Drizzle's `and` may return undefined). */
export function allOf(...conditions: SQL[]): SQL {
  return conditions.length === 1 ? (conditions[0] as SQL) : (and(...conditions) as SQL);
}

function tenantPredicate<T extends TenantTable>(table: T, tenantId: string, where: SQL | undefined): SQL {
  const own = eq(table.tenantId, tenantId);
  return where === undefined ? own : (and(own, where) as SQL);
}

function bind(db: Db, tenantId: string): TenantScope {
  const scope: TenantScope = {
    tenantId,
    async tenant() {
      const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1);
      if (row === undefined) throw new DomainError('not_found', 'This tenant no longer exists.');
      return row;
    },
    async findMany(table, options = {}) {
      let query = db.select().from(table as PgTable).where(tenantPredicate(table, tenantId, options.where)).$dynamic();
      if (options.orderBy && options.orderBy.length > 0) query = query.orderBy(...options.orderBy);
      if (options.limit !== undefined) query = query.limit(options.limit);
      if (options.forUpdate) query = query.for('update');
      return (await query) as RowOf<typeof table>[];
    },
    async findFirst(table, where, options = {}) {
      const [row] = await scope.findMany(table, { ...options, where, limit: 1 });
      return row;
    },
    async get(table, where, options = {}) {
      const row = await scope.findFirst(table, where, options);
      if (row === undefined) throw new DomainError('not_found', `No such ${options.what ?? getTableName(table).replace(/_/g, ' ').replace(/s$/, '')}.`);
      return row;
    },
    async count(table, where) {
      const [row] = await db.select({ n: countRows() }).from(table as PgTable).where(tenantPredicate(table, tenantId, where));
      return Number(row?.n ?? 0);
    },
    async insert(table, values) {
      const [row] = await scope.insertMany(table, [values]);
      if (row === undefined) throw new Error(`insert into ${getTableName(table)} returned nothing`);
      return row;
    },
    async insertMany(table, values) {
      if (values.length === 0) return [];
      // The tenant id is written last, so a stray `tenantId` smuggled in through a spread cannot win.
      const rows = values.map((v) => ({ ...v, tenantId }) as PgInsertValue<typeof table>);
      return (await db.insert(table).values(rows).returning()) as RowOf<typeof table>[];
    },
    async update(table, where, changes) {
      const set = { ...changes, tenantId } as PgUpdateSetSource<typeof table>;
      return (await db.update(table).set(set).where(tenantPredicate(table, tenantId, where)).returning()) as RowOf<typeof table>[];
    },
    async updateOne(table, where, changes, what) {
      const rows = await scope.update(table, where, changes);
      const [row] = rows;
      if (row === undefined) throw new DomainError('not_found', `No such ${what ?? getTableName(table).replace(/_/g, ' ').replace(/s$/, '')}.`);
      if (rows.length > 1) throw new Error(`updateOne on ${getTableName(table)} changed ${rows.length} rows`);
      return row;
    },
    async delete(table, where) {
      return (await db.delete(table).where(tenantPredicate(table, tenantId, where)).returning()) as RowOf<typeof table>[];
    },
  };
  return scope;
}

/** Writes one audit row in `db` (a transaction, from `mutate`). */
async function writeAudit(db: Db, options: ScopeOptions, entry: AuditEntry): Promise<void> {
  const at = options.now();
  await db.insert(auditLog).values({
    id: newId('audit', at.getTime(), options.random(10)),
    tenantId: options.tenantId,
    actorUserId: options.actor.userId,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    requestId: options.actor.requestId,
    details: entry.details ?? {},
    createdAt: at,
  });
}

export function tenantScope(db: Db, options: ScopeOptions): StaffScope {
  let committed = 0;
  return {
    ...bind(db, options.tenantId),
    actor: options.actor,
    async mutate(action, fn, mutateOptions = {}) {
      const result = await (mutateOptions.within ?? db).transaction(async (tx) => {
        const { result, target, details } = await fn(bind(tx, options.tenantId));
        await writeAudit(tx, options, { action, target, details });
        return result;
      });
      committed += 1;
      return result;
    },
    mutations: () => committed,
  };
}
