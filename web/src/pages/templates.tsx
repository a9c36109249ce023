/**
 * Message templates: the list and the editor. The editor counts as you type (encoding, characters,
 * parts, cost: templates-meter.tsx), shows the smart-encoding suggestion (look-alike punctuation that
 * turns a message into UCS-2) with a one-click fix before anything is saved, points at merge-field
 * mistakes, and shows what a contact's first message looks like with its opt-out line.
 *
 * Saving is optimistic: the list shows the change at once and goes back (with a toast) if the server
 * refuses it.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TemplateIssue, TemplateWarning } from '../../../core/messages/templates';
import { api, ApiError, type Me } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';
import { Figures, money, previewWith, usePricing } from './templates-meter';

export type Template = {
  id: string;
  name: string;
  body: string;
  fields: string[];
  usesLink: boolean;
  warnings: TemplateWarning[];
  hasOptOutInstruction: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
};
type Row = Template & { pending?: boolean };

const mergeFields = [
  { insert: '{first_name|there}', label: 'First name' },
  { insert: '{last_name}', label: 'Last name' },
  { insert: '{link}', label: 'Short link' },
];

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

function describeIssue(issue: TemplateIssue): string {
  return `${issue.message} (at character ${issue.index + 1})`;
}

function visible(character: string): string {
  if (character === '\u00a0') return 'non-breaking space';
  if (/\s/.test(character)) return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return character;
}

export function TemplatesPage(props: { me: Me }) {
  const toast = useToast();
  const canEdit = props.me.user.role !== 'viewer';
  const [rows, setRows] = useState<Row[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [selected, setSelected] = useState<string>('new');
  const [name, setName] = useState('');
  const [body, setBody] = useState('');
  const [sampleName, setSampleName] = useState('Alex');
  const textarea = useRef<HTMLTextAreaElement>(null);
  const tempId = useRef(0);
  const pricing = usePricing();

  useEffect(() => {
    api<{ templates: Template[] }>('GET', '/api/templates').then(
      (answer) => {
        setRows(answer.templates);
        const first = answer.templates[0];
        if (first && !new URLSearchParams(location.search).has('new')) open(first);
      },
      (e: unknown) => setLoadError(message(e)),
    );
    // Runs once: `open` only sets state.
  }, []);

  const current = rows?.find((r) => r.id === selected);
  const dirty = current ? current.name !== name || current.body !== body : name.trim() !== '' || body !== '';
  const preview = useMemo(() => previewWith(pricing, body, { first_name: sampleName }), [pricing, body, sampleName]);
  const smart = preview.smartEncoded;
  const lookAlikes = smart?.changes.reduce((n, c) => n + c.count, 0) ?? 0;

  /** Switching away from unsaved work asks first; nothing else in the editor is ever lost silently. */
  function mayLeave(): boolean {
    return !dirty || !canEdit || window.confirm(`Discard your unsaved changes${name.trim() ? ` to “${name.trim()}”` : ''}?`);
  }

  function open(t: Template) {
    setSelected(t.id);
    setName(t.name);
    setBody(t.body);
  }

  function startNew() {
    setSelected('new');
    setName('');
    setBody('');
    textarea.current?.focus();
  }

  function insert(text: string) {
    const el = textarea.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const next = body.slice(0, start) + text + body.slice(end);
    setBody(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + text.length, start + text.length);
    });
  }

  const save = async (event: Event) => {
    event.preventDefault();
    if (preview.errors.length > 0 || name.trim() === '') return;
    if (current) {
      const before = current;
      setRows((all) => all?.map((r) => (r.id === before.id ? { ...r, name: name.trim(), body, pending: true } : r)));
      try {
        const saved = await api<Template>('PATCH', `/api/templates/${before.id}`, { name: name.trim(), body });
        setRows((all) => all?.map((r) => (r.id === before.id ? saved : r)));
        toast(`Saved “${saved.name}”.`);
      } catch (e) {
        setRows((all) => all?.map((r) => (r.id === before.id ? before : r)));
        toast(message(e), 'error');
      }
      return;
    }
    const placeholder: Row = { id: `pending-${tempId.current++}`, name: name.trim(), body, fields: [], usesLink: false, warnings: [], hasOptOutInstruction: false, archived: false, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), pending: true };
    setRows((all) => [placeholder, ...(all ?? [])]);
    setSelected(placeholder.id);
    try {
      const saved = await api<Template>('POST', '/api/templates', { name: name.trim(), body });
      setRows((all) => all?.map((r) => (r.id === placeholder.id ? saved : r)));
      setSelected((id) => (id === placeholder.id ? saved.id : id));
      toast(`Created “${saved.name}”.`);
    } catch (e) {
      setRows((all) => all?.filter((r) => r.id !== placeholder.id));
      setSelected((id) => (id === placeholder.id ? 'new' : id));
      toast(message(e), 'error');
    }
  };

  const archive = async () => {
    if (!current) return;
    const index = rows?.findIndex((r) => r.id === current.id) ?? 0;
    const removed = current;
    setRows((all) => all?.filter((r) => r.id !== removed.id));
    startNew();
    try {
      await api('PATCH', `/api/templates/${removed.id}`, { archived: true });
      toast(`Archived “${removed.name}”. Campaigns that use it keep it.`);
    } catch (e) {
      setRows((all) => {
        const copy = [...(all ?? [])];
        copy.splice(Math.max(0, index), 0, removed);
        return copy;
      });
      open(removed);
      toast(message(e), 'error');
    }
  };

  const partFill = preview.unitsPerPart === 0 ? 0 : (preview.unitsPerPart - preview.remainingInPart) / preview.unitsPerPart;

  return (
    <section>
      <header class="page-head">
        <h1>Templates</h1>
        {rows && <span class="count">{rows.filter((r) => !r.pending).length}</span>}
        <span class="spacer" />
        {canEdit && (
          <button type="button" onClick={() => mayLeave() && startNew()} data-testid="new-template">
            New template
          </button>
        )}
      </header>
      {loadError && <p class="form-error">{loadError}</p>}

      <div class="split">
        <ul class="picklist" aria-label="Templates" data-testid="template-list">
          {rows === undefined && !loadError && [0, 1, 2].map((i) => <li key={i} class="picklist-item skeleton-line" />)}
          {rows?.length === 0 && <li class="picklist-empty muted">No templates yet. Write the first one on the right.</li>}
          {selected === 'new' && canEdit && (
            <li>
              <button type="button" class="picklist-item" aria-current="true">
                <span class="picklist-name">{name.trim() || 'New template'}</span>
                <span class="picklist-body muted">{body || 'Not saved yet'}</span>
              </button>
            </li>
          )}
          {rows?.map((t) => {
            const p = t.id === selected ? preview : previewWith(pricing, t.body);
            return (
              <li key={t.id}>
                <button type="button" class="picklist-item" aria-current={t.id === selected ? 'true' : undefined} onClick={() => t.id !== selected && mayLeave() && open(t)}>
                  <span class="picklist-name">
                    {t.name}
                    {t.pending && <span class="tag">saving</span>}
                    {t.id === selected && dirty && !t.pending && <span class="tag tag-accent">unsaved</span>}
                  </span>
                  <span class="picklist-body muted">{t.body}</span>
                  <Figures preview={p} compact />
                </button>
              </li>
            );
          })}
        </ul>

        <form class="panel editor" onSubmit={save} aria-label="Template editor" data-testid="template-editor">
          <label class="field">
            <span>Name</span>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Spring offer, short" disabled={!canEdit} required maxLength={200} />
          </label>
          <div class="field">
            <div class="field-row">
              <label for="template-body">Message</label>
              <span class="spacer" />
              {canEdit &&
                mergeFields.map((f) => (
                  <button key={f.insert} type="button" class="chip" onClick={() => insert(f.insert)} title={`Insert ${f.insert}`}>
                    + {f.label}
                  </button>
                ))}
            </div>
            <textarea
              id="template-body"
              ref={textarea}
              value={body}
              rows={6}
              disabled={!canEdit}
              placeholder="Hi {first_name|there}, … Reply STOP to opt out"
              onInput={(e) => setBody(e.currentTarget.value)}
              data-testid="template-body"
            />
          </div>
          <div class="meter" data-testid="meter">
            <Figures preview={preview} testId="meter" />
            <div class="meter-track" aria-hidden="true" title="How full the current part is">
              <div class={`meter-fill${preview.encoding === 'UCS-2' ? ' meter-ucs' : ''}`} style={{ width: `${Math.round(partFill * 100)}%` }} />
            </div>
          </div>

          {preview.errors.length > 0 && (
            <ul class="issues issues-bad" data-testid="template-errors">
              {preview.errors.map((issue) => (
                <li key={`${issue.code}-${issue.index}`}>{describeIssue(issue)}</li>
              ))}
            </ul>
          )}
          {preview.warnings.length > 0 && (
            <ul class="issues">
              {preview.warnings.map((w) => (
                <li key={w.field}>{w.message}</li>
              ))}
            </ul>
          )}

          {smart && (
            <div class="suggestion" data-testid="smart-encoding">
              <div>
                <b>Smart encoding:</b> {lookAlikes === 1 ? '1 look-alike character' : `${lookAlikes} look-alike characters`}{' '}
                {preview.encoding === 'UCS-2' && smart.encoding === 'GSM-7' ? (lookAlikes === 1 ? 'makes this message UCS-2' : 'make this message UCS-2') : 'can be plain GSM text'}. With GSM characters instead:{' '}
                <Figures preview={smart} compact />
                {preview.parts > smart.parts && <span class="ok"> · saves {preview.parts - smart.parts} part{preview.parts - smart.parts === 1 ? '' : 's'} per message</span>}
              </div>
              <ul class="changes">
                {smart.changes.map((c) => (
                  <li key={c.from}>
                    <span class="mono char">{visible(c.from)}</span> → <span class="mono char">{visible(c.to)}</span> <span class="muted">{c.label}{c.count > 1 ? ` ×${c.count}` : ''}</span>
                  </li>
                ))}
              </ul>
              {canEdit && (
                <button type="button" class="primary" onClick={() => setBody(smart.text)} data-testid="apply-smart-encoding">
                  Use GSM characters
                </button>
              )}
            </div>
          )}
          {!smart && preview.encoding === 'UCS-2' && preview.nonGsmCharacters.length > 0 && (
            <p class="note" data-testid="non-gsm">
              Outside GSM-7, so the message is UCS-2 (70 characters a part): <span class="mono">{preview.nonGsmCharacters.map(visible).join(' ')}</span>
            </p>
          )}

          <div class="sample">
            <div class="field-row">
              <span class="muted small">Preview for a contact named</span>
              <input class="sample-name" aria-label="Sample first name" value={sampleName} onInput={(e) => setSampleName(e.currentTarget.value)} />
              {preview.missing.length > 0 && <span class="muted small">· empty without a fallback: {preview.missing.join(', ')}</span>}
            </div>
            <div class="bubble" data-testid="rendered">
              {preview.rendered || <span class="muted">The message appears here as you type.</span>}
            </div>
            {preview.firstMessage && (
              <p class="note" data-testid="first-message">
                A contact’s first message from you also gets “Reply STOP to opt out”: <Figures preview={preview.firstMessage} compact />
              </p>
            )}
            {pricing.microsPerPart !== undefined && (
              <p class="muted small">
                {money(pricing.microsPerPart)} a part via {pricing.provider} to {pricing.country}.
              </p>
            )}
          </div>

          {canEdit && (
            <div class="form-actions">
              <button type="submit" class="primary" disabled={!dirty || preview.errors.length > 0 || name.trim() === '' || current?.pending === true} data-testid="save-template">
                {current ? 'Save changes' : 'Create template'}
              </button>
              {current && dirty && (
                <button type="button" class="quiet" onClick={() => open(current)}>
                  Discard changes
                </button>
              )}
              <span class="spacer" />
              {current && !current.pending && (
                <span class="muted small" title={exactTime(current.updatedAt)}>
                  Edited {ago(current.updatedAt)}
                </span>
              )}
              {current && !current.pending && (
                <button type="button" class="quiet" onClick={() => void archive()}>
                  Archive
                </button>
              )}
            </div>
          )}
        </form>
      </div>
    </section>
  );
}
