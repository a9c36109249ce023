/**
 * Prospects (the lead supply chain): the raw USBizData prospects of this tenant, newest first, with
 * the high-value filter; and an ingestion from a dropped USBizData CSV (uploaded straight to the blob
 * store, then streamed in chunks by import-chunk; its progress bar polls the batch).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { useToast } from '../toasts';
import { ProgressBar, rejectedOf, uploadFile, type Summary } from './imports';

type Prospect = {
  id: string;
  company: string | null;
  contactName: string | null;
  title: string | null;
  city: string | null;
  state: string | null;
  phone: string | null;
  phoneE164: string | null;
  sic: string | null;
  sicDescription: string | null;
  revenueUsd: number | null;
  revenueText: string | null;
  employees: number | null;
  employeesText: string | null;
  highValue: boolean;
};

type Page = { items: Prospect[]; nextCursor: string | null };

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : 'Something went wrong. Try again.';
}

export function ProspectsPage() {
  const toast = useToast();
  const [highValue, setHighValue] = useState(false);
  const [rows, setRows] = useState<Prospect[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [ingest, setIngest] = useState<{ name: string; fraction: number; label: string } | undefined>();
  const input = useRef<HTMLInputElement>(null);

  const load = (more: boolean) => {
    const query = new URLSearchParams({ limit: '50' });
    if (highValue) query.set('highValue', 'true');
    if (more && cursor) query.set('cursor', cursor);
    api<Page>('GET', `/api/prospects?${query}`).then(
      (page) => {
        setRows((all) => (more ? [...(all ?? []), ...page.items] : page.items));
        setCursor(page.nextCursor);
      },
      (e: unknown) => toast(message(e), 'error'),
    );
  };

  useEffect(() => {
    setRows(undefined);
    load(false);
  }, [highValue]);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    setIngest({ name: file.name, fraction: 0, label: `Uploading ${file.name}` });
    try {
      const objectKey = await uploadFile(file, (fraction) => setIngest({ name: file.name, fraction, label: `Uploading ${file.name}` }));
      const { batchId } = await api<{ batchId: string }>('POST', '/api/ingest/usbizdata', { objectKey });
      let summary = await api<Summary>('GET', `/api/imports/${batchId}`);
      while (summary.status !== 'done' && summary.status !== 'failed') {
        setIngest({ name: file.name, fraction: summary.progress.percent / 100, label: `Ingesting: ${summary.progress.rowsProcessed.toLocaleString()} rows` });
        await new Promise((resolve) => setTimeout(resolve, 700));
        summary = await api<Summary>('GET', `/api/imports/${batchId}`);
      }
      setIngest(undefined);
      if (summary.status === 'failed') toast(`The ingestion failed: ${summary.error ?? 'unknown error'}`, 'error');
      else toast(`${file.name}: ${summary.counts.create} new prospects, ${summary.counts.update} updated, ${rejectedOf(summary.counts)} skipped.`);
      load(false);
    } catch (e) {
      setIngest(undefined);
      toast(message(e), 'error');
    }
  };

  return (
    <section>
      <div class="page-head">
        <h1>Prospects</h1>
        <span class="count">{rows ? `${rows.length}${cursor ? '+' : ''}` : ''}</span>
        <span class="spacer" />
        <label class="muted">
          <input type="checkbox" checked={highValue} onChange={(e) => setHighValue((e.currentTarget as HTMLInputElement).checked)} data-testid="high-value-filter" /> High value only
        </label>
        {ingest === undefined && (
          <button type="button" onClick={() => input.current?.click()}>
            Ingest a USBizData file
          </button>
        )}
        <input ref={input} type="file" accept=".csv,text/csv" hidden onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0])} />
      </div>
      {ingest && <ProgressBar fraction={ingest.fraction} label={ingest.label} testId="ingest-progress" />}
      <table class="grid" data-testid="prospects-table">
        <thead>
          <tr>
            <th>Company</th>
            <th>Contact</th>
            <th>Title</th>
            <th>Location</th>
            <th>Phone</th>
            <th>SIC</th>
            <th>Revenue</th>
            <th>Employees</th>
          </tr>
        </thead>
        <tbody>
          {rows === undefined && (
            <tr class="skeleton">
              <td colSpan={8}>&nbsp;</td>
            </tr>
          )}
          {rows?.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                {highValue ? 'No high-value prospects yet.' : 'No prospects yet: ingest a USBizData file.'}
              </td>
            </tr>
          )}
          {rows?.map((p) => (
            <tr key={p.id}>
              <td class="clip">
                {p.company}
                {p.highValue && <span class="tag tag-accent">high value</span>}
              </td>
              <td class="clip">{p.contactName}</td>
              <td class="clip">{p.title}</td>
              <td class="clip">{[p.city, p.state].filter(Boolean).join(', ')}</td>
              <td class="mono">{p.phoneE164 ?? p.phone}</td>
              <td class="clip" title={p.sicDescription ?? ''}>
                {p.sic}
              </td>
              <td title={p.revenueUsd === null ? '' : `from $${p.revenueUsd.toLocaleString()}`}>{p.revenueText}</td>
              <td>{p.employeesText}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <div class="more">
          <button type="button" onClick={() => load(true)}>
            Load more
          </button>
        </div>
      )}
    </section>
  );
}
