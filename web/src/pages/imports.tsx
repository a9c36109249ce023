/**
 * Contact imports: drop a CSV, check the suggested column mapping, preview the dry-run (counts and the
 * first 50 decisions, filterable), commit, watch the progress bar, download the rejected rows; and the
 * history of this tenant's imports.
 *
 * The file goes straight to the blob store with a presigned PUT (XMLHttpRequest, for its upload
 * progress); the API only ever sees its object key. The commit's Idempotency-Key is derived from the
 * import id, so a double click or a retry after a network error commits once.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';

export type Counts = { rows: number; create: number; update: number; duplicate: number; invalid_phone: number; invalid_row: number; dnc: number; suppressed_by_cooldown: number };
type Decision = { row: number; decision: string; reason: string; phoneE164?: string };
type Inspection = { objectKey: string; size: number; headers: string[]; suggestedMapping: Record<string, string>; sample: string[][]; format: { encoding: string; delimiter: string } };
type DryRun = { importId: string; counts: Counts; decisions: Decision[]; headers: string[]; mapping: Record<string, string>; defaultCountry: string };
export type Summary = {
  importId: string;
  kind: string;
  status: 'previewed' | 'queued' | 'running' | 'done' | 'failed';
  filename: string | null;
  counts: Counts;
  progress: { rowsProcessed: number; rowsTotal: number | null; percent: number };
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
};

const fields = [
  ['', 'ignore'],
  ['phone', 'Phone'],
  ['email', 'Email'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['country', 'Country'],
  ['timezone', 'Time zone'],
  ['tags', 'Tags'],
] as const;

export const decisionLabels: Record<string, string> = {
  create: 'New',
  update: 'Update',
  duplicate: 'Duplicate',
  invalid_phone: 'Invalid phone',
  invalid_row: 'Unreadable row',
  dnc: 'Do not contact',
  suppressed_by_cooldown: 'Cooldown',
};

export function rejectedOf(c: Counts): number {
  return c.duplicate + c.invalid_phone + c.invalid_row + c.dnc + c.suppressed_by_cooldown;
}

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : 'Something went wrong. Try again.';
}

function attrName(header: string): string {
  return `attr:${header.replace(/[^A-Za-z0-9_ .-]+/g, '_').replace(/^[^A-Za-z0-9_]+/, '').slice(0, 60) || 'column'}`;
}

/** Uploads to a presigned URL with progress (fetch cannot report upload progress). */
export function putWithProgress(url: string, headers: Record<string, string>, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`The upload was refused (${xhr.status}).`)));
    xhr.onerror = () => reject(new Error('The upload failed: the file store could not be reached.'));
    xhr.send(file);
  });
}

/** Presigned upload of a CSV; its object key. */
export async function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<string> {
  const upload = await api<{ objectKey: string; uploadUrl: string; headers: Record<string, string> }>('POST', '/api/uploads', {
    filename: file.name,
    size: file.size,
    contentType: 'text/csv',
  });
  await putWithProgress(upload.uploadUrl, upload.headers, file, onProgress);
  return upload.objectKey;
}

export function ProgressBar(props: { fraction: number; label: string; testId?: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, props.fraction)) * 100);
  return (
    <div class="progress" data-testid={props.testId}>
      <div class="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={props.label}>
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span class="progress-label">
        {props.label} · {percent}%
      </span>
    </div>
  );
}

function CountsLine(props: { counts: Counts }) {
  const c = props.counts;
  return (
    <div class="counts" data-testid="import-counts">
      <span><b>{c.rows.toLocaleString()}</b> rows</span>
      <span class="ok"><b>{c.create.toLocaleString()}</b> new</span>
      <span><b>{c.update.toLocaleString()}</b> updates</span>
      <span class="bad"><b>{rejectedOf(c).toLocaleString()}</b> rejected</span>
      {(['duplicate', 'invalid_phone', 'invalid_row', 'dnc', 'suppressed_by_cooldown'] as const)
        .filter((k) => c[k] > 0)
        .map((k) => (
          <span key={k} class="muted">
            {decisionLabels[k]}: {c[k].toLocaleString()}
          </span>
        ))}
    </div>
  );
}

type Stage =
  | { step: 'idle' }
  | { step: 'uploading'; name: string; fraction: number }
  | { step: 'mapping'; name: string; inspection: Inspection; mapping: Record<string, string> }
  | { step: 'previewing'; name: string; inspection: Inspection; mapping: Record<string, string> }
  | { step: 'previewed'; name: string; inspection: Inspection; mapping: Record<string, string>; dryRun: DryRun }
  | { step: 'committing'; name: string; dryRun: DryRun; summary?: Summary }
  | { step: 'done'; name: string; summary: Summary };

export function ImportsPage() {
  const toast = useToast();
  const [stage, setStage] = useState<Stage>({ step: 'idle' });
  const [filter, setFilter] = useState('all');
  const [country, setCountry] = useState('');
  const [history, setHistory] = useState<Summary[] | undefined>();
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const alive = useRef(true);

  const loadHistory = () =>
    api<{ items: Summary[] }>('GET', '/api/imports?kind=contacts&limit=20').then(
      (body) => alive.current && setHistory(body.items),
      (e: unknown) => toast(message(e), 'error'),
    );

  useEffect(() => {
    alive.current = true;
    void loadHistory();
    return () => {
      alive.current = false;
    };
  }, []);

  const pick = async (file: File | undefined) => {
    if (!file) return;
    setStage({ step: 'uploading', name: file.name, fraction: 0 });
    try {
      const objectKey = await uploadFile(file, (fraction) => setStage({ step: 'uploading', name: file.name, fraction }));
      const inspection = await api<Inspection>('POST', '/api/imports/contacts/inspect', { objectKey });
      setStage({ step: 'mapping', name: file.name, inspection, mapping: inspection.suggestedMapping });
    } catch (e) {
      setStage({ step: 'idle' });
      toast(message(e), 'error');
    }
  };

  const preview = async () => {
    if (stage.step !== 'mapping' && stage.step !== 'previewed') return;
    const { name, inspection, mapping } = stage;
    setStage({ step: 'previewing', name, inspection, mapping });
    try {
      const dryRun = await api<DryRun>('POST', '/api/imports/contacts/dry-run', {
        objectKey: inspection.objectKey,
        mapping,
        filename: name,
        ...(country.trim() ? { defaultCountry: country.trim().toUpperCase() } : {}),
      });
      setFilter('all');
      setStage({ step: 'previewed', name, inspection, mapping, dryRun });
      void loadHistory();
    } catch (e) {
      setStage({ step: 'mapping', name, inspection, mapping });
      toast(message(e), 'error');
    }
  };

  const commit = async () => {
    if (stage.step !== 'previewed') return;
    const { name, dryRun } = stage;
    setStage({ step: 'committing', name, dryRun });
    try {
      let summary = await api<Summary>('POST', '/api/imports/contacts/commit', { importId: dryRun.importId }, { 'idempotency-key': `admin-${dryRun.importId}` });
      while (summary.status !== 'done' && summary.status !== 'failed') {
        if (!alive.current) return;
        setStage({ step: 'committing', name, dryRun, summary });
        await new Promise((resolve) => setTimeout(resolve, 500));
        summary = await api<Summary>('GET', `/api/imports/${dryRun.importId}`);
      }
      setStage({ step: 'done', name, summary });
      if (summary.status === 'failed') toast(`The import failed: ${summary.error ?? 'unknown error'}`, 'error');
      else toast(`Imported ${name}: ${summary.counts.create} new, ${summary.counts.update} updated, ${rejectedOf(summary.counts)} rejected.`);
      void loadHistory();
    } catch (e) {
      setStage({ step: 'previewed', name, inspection: (stage as { inspection: Inspection }).inspection, mapping: (stage as { mapping: Record<string, string> }).mapping, dryRun });
      toast(message(e), 'error');
    }
  };

  const setField = (header: string, value: string) => {
    if (stage.step !== 'mapping' && stage.step !== 'previewed') return;
    const mapping = { ...stage.mapping };
    // One column per field: choosing a field for this column takes it from any other.
    if (value && !value.startsWith('attr:')) for (const [h, f] of Object.entries(mapping)) if (f === value) delete mapping[h];
    if (value) mapping[header] = value;
    else delete mapping[header];
    setStage({ step: 'mapping', name: stage.name, inspection: stage.inspection, mapping });
  };

  const mappingStage = stage.step === 'mapping' || stage.step === 'previewing' || stage.step === 'previewed' ? stage : undefined;
  const hasPhone = mappingStage ? Object.values(mappingStage.mapping).includes('phone') : false;
  const dryRun = stage.step === 'previewed' || stage.step === 'committing' ? stage.dryRun : undefined;
  const shown = dryRun ? dryRun.decisions.filter((d) => filter === 'all' || (filter === 'rejected' ? d.decision !== 'create' && d.decision !== 'update' : d.decision === filter)) : [];

  return (
    <section>
      <div class="page-head">
        <h1>Import contacts</h1>
        <span class="muted">CSV from any spreadsheet or CRM: UTF-8 or Windows-1252, comma, semicolon or tab.</span>
      </div>

      {(stage.step === 'idle' || stage.step === 'uploading' || stage.step === 'done') && (
        <div
          class={`dropzone${dragging ? ' dragging' : ''}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void pick(e.dataTransfer?.files[0]);
          }}
        >
          {stage.step === 'uploading' ? (
            <ProgressBar fraction={stage.fraction} label={`Uploading ${stage.name}`} testId="upload-progress" />
          ) : (
            <>
              <p>Drop a CSV file here, or</p>
              <button type="button" class="primary" onClick={() => input.current?.click()}>
                Choose a file
              </button>
              <input ref={input} type="file" accept=".csv,text/csv,.txt" hidden data-testid="file-input" onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0])} />
            </>
          )}
        </div>
      )}

      {mappingStage && (
        <div class="panel" data-testid="mapping">
          <div class="page-head">
            <h2 class="h2">Columns of {mappingStage.name}</h2>
            <span class="muted small">
              {mappingStage.inspection.headers.length} columns · {mappingStage.inspection.format.encoding} · delimiter {mappingStage.inspection.format.delimiter === '\t' ? 'tab' : `"${mappingStage.inspection.format.delimiter}"`}
            </span>
          </div>
          <table class="grid">
            <thead>
              <tr>
                <th>Column in the file</th>
                <th>Imports as</th>
                <th>First values</th>
              </tr>
            </thead>
            <tbody>
              {mappingStage.inspection.headers.map((header, i) => {
                const value = mappingStage.mapping[header] ?? '';
                return (
                  <tr key={header}>
                    <td>{header}</td>
                    <td>
                      <select class="compact" aria-label={`Field for ${header}`} value={value} disabled={stage.step === 'previewing'} onChange={(e) => setField(header, (e.currentTarget as HTMLSelectElement).value)}>
                        {fields.map(([v, label]) => (
                          <option key={v} value={v}>
                            {label}
                          </option>
                        ))}
                        <option value={value.startsWith('attr:') ? value : attrName(header)}>Merge field ({value.startsWith('attr:') ? value.slice(5) : attrName(header).slice(5)})</option>
                      </select>
                    </td>
                    <td class="clip muted">{mappingStage.inspection.sample.map((row) => row[i] ?? '').filter((v) => v !== '').slice(0, 3).join(' · ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div class="inline-form actions-row">
            <label class="muted">
              Country for numbers without one{' '}
              <input class="country" value={country} placeholder="default" maxLength={2} onInput={(e) => setCountry((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <span class="spacer" />
            {!hasPhone && <span class="bad">Choose the phone column.</span>}
            <button type="button" class="primary" disabled={!hasPhone || stage.step === 'previewing'} onClick={() => void preview()}>
              {stage.step === 'previewed' ? 'Preview again' : 'Preview (dry run)'}
            </button>
          </div>
          {stage.step === 'previewing' && <p class="muted status-line">Checking every row against your contacts, do-not-contact list and cooldowns…</p>}
        </div>
      )}

      {dryRun && (
        <div class="panel" data-testid="preview">
          <div class="page-head">
            <h2 class="h2">Dry run</h2>
            <span class="muted small">nothing has been written yet</span>
          </div>
          <CountsLine counts={dryRun.counts} />
          <div class="inline-form actions-row">
            <label class="muted">
              Show{' '}
              <select class="compact" aria-label="Filter decisions" value={filter} onChange={(e) => setFilter((e.currentTarget as HTMLSelectElement).value)}>
                <option value="all">all decisions</option>
                <option value="rejected">rejected only</option>
                {Object.entries(decisionLabels).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <span class="muted small">first {dryRun.decisions.length} rows</span>
            <span class="spacer" />
            {rejectedOf(dryRun.counts) > 0 && (
              <a href={`/api/imports/${dryRun.importId}/rejected.csv`} download>
                Download rejected rows
              </a>
            )}
            <button type="button" class="primary" data-testid="commit" disabled={stage.step === 'committing' || dryRun.counts.create + dryRun.counts.update === 0} onClick={() => void commit()}>
              Import {(dryRun.counts.create + dryRun.counts.update).toLocaleString()} contacts
            </button>
          </div>
          {stage.step === 'committing' && (
            <ProgressBar
              fraction={(stage.summary?.progress.percent ?? 0) / 100}
              label={stage.summary ? `Importing: ${stage.summary.progress.rowsProcessed.toLocaleString()} of ${dryRun.counts.rows.toLocaleString()} rows` : 'Starting the import'}
              testId="commit-progress"
            />
          )}
          <table class="grid" data-testid="decisions">
            <thead>
              <tr>
                <th class="w-row">Row</th>
                <th class="w-decision">Decision</th>
                <th class="w-phone">Phone</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.row}>
                  <td class="muted">{d.row}</td>
                  <td>
                    <span class={`decision decision-${d.decision}`}>{decisionLabels[d.decision] ?? d.decision}</span>
                  </td>
                  <td class="mono">{d.phoneE164 ?? ''}</td>
                  <td>{d.reason}</td>
                </tr>
              ))}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    No rows with this decision among the first {dryRun.decisions.length}.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}

      {stage.step === 'done' && (
        <div class="panel" data-testid="import-done">
          <div class="page-head">
            <h2 class="h2">{stage.summary.status === 'done' ? `Imported ${stage.name}` : `Import of ${stage.name} failed`}</h2>
          </div>
          <ProgressBar fraction={stage.summary.progress.percent / 100} label={stage.summary.status === 'done' ? 'Done' : 'Stopped'} />
          <CountsLine counts={stage.summary.counts} />
          {rejectedOf(stage.summary.counts) > 0 && (
            <p>
              <a href={`/api/imports/${stage.summary.importId}/rejected.csv`} download data-testid="rejected-download">
                Download the {rejectedOf(stage.summary.counts).toLocaleString()} rejected rows
              </a>{' '}
              <span class="muted small">as uploaded, with a decision and a reason for each: fix them and import the file again.</span>
            </p>
          )}
        </div>
      )}

      <h2 class="h2 section-title">History</h2>
      <table class="grid" data-testid="import-history">
        <thead>
          <tr>
            <th>File</th>
            <th class="w-time">When</th>
            <th class="w-status">Status</th>
            <th class="w-num">Rows</th>
            <th class="w-num">New</th>
            <th class="w-num">Updated</th>
            <th class="w-num">Rejected</th>
            <th class="w-actions" />
          </tr>
        </thead>
        <tbody>
          {history === undefined && (
            <tr class="skeleton">
              <td colSpan={8}>&nbsp;</td>
            </tr>
          )}
          {history?.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No imports yet.
              </td>
            </tr>
          )}
          {history?.map((h) => (
            <tr key={h.importId}>
              <td class="clip">{h.filename ?? h.importId}</td>
              <td title={exactTime(h.createdAt)}>{ago(h.createdAt)}</td>
              <td>
                {h.status === 'running' || h.status === 'queued' ? <ProgressBar fraction={h.progress.percent / 100} label={h.status} /> : <span class={`status status-${h.status}`}>{h.status === 'previewed' ? 'dry run only' : h.status}</span>}
              </td>
              <td>{h.counts.rows.toLocaleString()}</td>
              <td>{h.counts.create.toLocaleString()}</td>
              <td>{h.counts.update.toLocaleString()}</td>
              <td>{rejectedOf(h.counts).toLocaleString()}</td>
              <td class="actions">{rejectedOf(h.counts) > 0 && <a href={`/api/imports/${h.importId}/rejected.csv`} download>rejected.csv</a>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
