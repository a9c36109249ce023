/**
 * Draws db/ERD.md from the Drizzle schema: a Mermaid `erDiagram` (tables, typed columns, PK/FK/UK
 * markers, one relationship per foreign key) and a list of every table's named keys, indexes and
 * checks. The output depends only on the schema (sorted, no dates), so a test can regenerate it and
 * fail when the committed file is stale. `npm run db:erd` writes it.
 */
import { is, SQL } from 'drizzle-orm';
import { getTableConfig, PgDialect, PgTable, type PgColumn } from 'drizzle-orm/pg-core';
import type { TriggerReference } from './schema/columns';
import * as schema from './schema/index';

type TableConfig = ReturnType<typeof getTableConfig>;

const dialect = new PgDialect();

/** Code-unit order: the same on every machine, whatever its locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `"users"."email"` → `email`: the diagram speaks of one table at a time. */
function renderSql(value: SQL, table: string): string {
  return dialect
    .sqlToQuery(value)
    .sql.replaceAll(`"${table}".`, '')
    .replaceAll('"', '');
}

/** Mermaid attribute types are one word: `timestamp with time zone` becomes `timestamptz`. */
function columnType(column: PgColumn): string {
  const type = column.getSQLType();
  return type.replace('timestamp with time zone', 'timestamptz').replaceAll(' ', '_');
}

function tablesOf(module: Record<string, unknown>): TableConfig[] {
  return Object.values(module)
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => getTableConfig(table))
    .sort((a, b) => byText(a.name, b.name));
}

function triggerReferencesOf(module: Record<string, unknown>): TriggerReference[] {
  return Object.values(module).filter((value): value is TriggerReference => (value as Partial<TriggerReference> | null)?.kind === 'trigger_reference');
}

/** A table's references: its foreign keys and those kept by triggers, drawn alike. */
type Reference = { name: string; columns: PgColumn[]; parent: string; triggers?: string[] };

function referencesOf(config: TableConfig, byTrigger: readonly TriggerReference[]): Reference[] {
  const foreign = config.foreignKeys.map((f) => {
    const ref = f.reference();
    return { name: f.getName(), columns: ref.columns, parent: getTableConfig(ref.foreignTable).name };
  });
  const triggered = byTrigger
    .filter((r) => getTableConfig(r.table).name === config.name)
    .map((r) => ({ name: r.name, columns: r.columns, parent: getTableConfig(r.foreignTable).name, triggers: r.triggers }));
  return [...foreign, ...triggered];
}

function primaryKeyColumns(config: TableConfig): string[] {
  const inline = config.columns.filter((c) => c.primary).map((c) => c.name);
  return [...inline, ...config.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name))];
}

function indexColumnList(config: TableConfig, columns: readonly unknown[]): string {
  return columns
    .map((c) => {
      if (is(c, SQL)) return renderSql(c, config.name);
      const column = c as { name?: string; indexConfig?: { order?: string } };
      return `${column.name ?? '?'}${column.indexConfig?.order === 'desc' ? ' desc' : ''}`;
    })
    .join(', ');
}

/** Columns unique on their own (composite keys are listed under the diagram, not marked UK). */
function uniqueColumns(config: TableConfig): Set<string> {
  const names = new Set<string>();
  for (const index of config.indexes) {
    const [only, ...rest] = index.config.columns;
    if (!index.config.unique || rest.length > 0 || only === undefined || is(only, SQL)) continue;
    const name = (only as { name?: unknown }).name;
    if (typeof name === 'string') names.add(name);
  }
  for (const unique of config.uniqueConstraints) {
    const [only, ...rest] = unique.columns;
    if (only !== undefined && rest.length === 0) names.add(only.name);
  }
  return names;
}

function renderEntity(config: TableConfig, byTrigger: readonly TriggerReference[]): string[] {
  const pk = new Set(primaryKeyColumns(config));
  const fk = new Set(referencesOf(config, byTrigger).flatMap((r) => r.columns.map((c) => c.name)));
  const uk = uniqueColumns(config);
  const lines = [`  ${config.name} {`];
  for (const column of config.columns) {
    const keys = [pk.has(column.name) ? 'PK' : '', fk.has(column.name) ? 'FK' : '', uk.has(column.name) ? 'UK' : ''].filter(Boolean);
    const comment = column.notNull ? '' : ' "nullable"';
    lines.push(`    ${columnType(column)} ${column.name}${keys.length ? ` ${keys.join(', ')}` : ''}${comment}`);
  }
  lines.push('  }');
  return lines;
}

function renderRelationships(tables: TableConfig[], byTrigger: readonly TriggerReference[]): string[] {
  const lines: string[] = [];
  for (const config of tables) {
    const pk = primaryKeyColumns(config);
    for (const ref of referencesOf(config, byTrigger)) {
      const columns = ref.columns.map((c) => c.name);
      const optional = ref.columns.some((c) => !c.notNull);
      // The child's own primary key pointing at the parent: at most one child per parent.
      const oneToOne = columns.length === pk.length && columns.every((c) => pk.includes(c));
      const parentSide = optional ? '|o' : '||';
      const childSide = oneToOne ? 'o|' : 'o{';
      lines.push(`  ${ref.parent} ${parentSide}--${childSide} ${config.name} : "${columns.join(', ')}"`);
    }
  }
  return lines.sort(byText);
}

function renderKeys(config: TableConfig, byTrigger: readonly TriggerReference[]): string[] {
  const lines: string[] = [];
  const pk = config.primaryKeys[0];
  const inlinePk = config.columns.filter((c) => c.primary).map((c) => c.name);
  if (pk) lines.push(`- primary key \`${pk.getName()}\` (${pk.columns.map((c) => c.name).join(', ')})`);
  else if (inlinePk.length) lines.push(`- primary key \`${config.name}_pkey\` (${inlinePk.join(', ')})`);
  for (const unique of [...config.uniqueConstraints].sort((a, b) => byText(a.name ?? '', b.name ?? ''))) {
    lines.push(`- unique \`${unique.name ?? '(unnamed)'}\` (${unique.columns.map((c) => c.name).join(', ')})`);
  }
  const indexes = [...config.indexes].sort((a, b) => byText(a.config.name ?? '', b.config.name ?? ''));
  for (const index of indexes) {
    const where = index.config.where ? ` where ${renderSql(index.config.where, config.name)}` : '';
    lines.push(
      `- ${index.config.unique ? 'unique index' : 'index'} \`${index.config.name ?? '(unnamed)'}\` (${indexColumnList(config, index.config.columns)})${where}`,
    );
  }
  for (const check of [...config.checks].sort((a, b) => byText(a.name, b.name))) {
    lines.push(`- check \`${check.name}\`: \`${renderSql(check.value, config.name)}\``);
  }
  for (const ref of referencesOf(config, byTrigger)) {
    if (ref.triggers === undefined) continue;
    const triggers = ref.triggers.map((t) => `\`${t}\``).join(', ');
    lines.push(`- reference \`${ref.name}\` (${ref.columns.map((c) => c.name).join(', ')}) → ${ref.parent}, kept by triggers (checked once per statement): ${triggers}`);
  }
  return lines;
}

export function renderErd(module: Record<string, unknown> = schema): string {
  const tables = tablesOf(module);
  const byTrigger = triggerReferencesOf(module);
  const out = [
    '# Data model',
    '',
    '<!-- Generated from db/schema by `npm run db:erd`. Do not edit: a test fails when this file is stale. -->',
    '',
    `${tables.length} tables. Every tenant-owned table carries \`tenant_id\`; money is integer micros (\`*_micros\`); instants are \`timestamptz\`.`,
    '',
    '```mermaid',
    'erDiagram',
    ...tables.flatMap((t) => renderEntity(t, byTrigger)),
    ...renderRelationships(tables, byTrigger),
    '```',
    '',
    '## Keys, indexes and checks',
    '',
  ];
  for (const config of tables) {
    out.push(`### ${config.name}`, '', ...renderKeys(config, byTrigger), '');
  }
  return out.join('\n');
}
