/**
 * Create or edit a campaign: name, templates in rotation order (each with its encoding, parts and
 * cost), the link target when a template has `{link}`, the numbers to send from, and the segment.
 * A queued campaign can only be renamed (its jobs already exist; `PATCH /api/campaigns/:id` says 409).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type Me } from '../api';
import { Link, navigate } from '../router';
import { useToast } from '../toasts';
import type { Campaign, SendingNumber } from './campaigns-data';
import { Figures, previewWith, usePricing } from './templates-meter';
import type { Template } from './templates';

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

function tagsOf(text: string): string[] {
  return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

export function CampaignFormPage(props: { id?: string; me: Me }) {
  const toast = useToast();
  const pricing = usePricing();
  const [existing, setExisting] = useState<Campaign | undefined>();
  const [templates, setTemplates] = useState<Template[] | undefined>();
  const [numbers, setNumbers] = useState<SendingNumber[] | undefined>();
  const [name, setName] = useState('');
  const [templateIds, setTemplateIds] = useState<string[]>([]);
  const [numberIds, setNumberIds] = useState<string[]>([]);
  const [tags, setTags] = useState('');
  const [tagsMatch, setTagsMatch] = useState<'any' | 'all'>('any');
  const [linkUrl, setLinkUrl] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api<{ templates: Template[] }>('GET', '/api/templates').then(
      (a) => setTemplates(a.templates),
      (e: unknown) => setError(message(e)),
    );
    api<{ sendingNumbers: SendingNumber[] }>('GET', '/api/sending-numbers').then(
      (a) => setNumbers(a.sendingNumbers.filter((n) => n.use === 'bulk' && n.status === 'active')),
      (e: unknown) => setError(message(e)),
    );
    if (props.id) {
      api<Campaign>('GET', `/api/campaigns/${props.id}`).then(
        (c) => {
          setExisting(c);
          setName(c.name);
          setTemplateIds(c.templateIds);
          setNumberIds(c.sendingNumberIds);
          setTags(c.segment.tags?.join(', ') ?? '');
          setTagsMatch(c.segment.tagsMatch ?? 'any');
          setLinkUrl(c.linkUrl ?? '');
        },
        (e: unknown) => setError(message(e)),
      );
    }
  }, [props.id]);

  const locked = existing !== undefined && existing.status !== 'draft';
  const byId = useMemo(() => new Map((templates ?? []).map((t) => [t.id, t])), [templates]);
  const chosen = templateIds.map((id) => byId.get(id)).filter((t): t is Template => t !== undefined);
  const needsLink = chosen.some((t) => t.usesLink);
  const available = (templates ?? []).filter((t) => !templateIds.includes(t.id));

  const move = (index: number, by: -1 | 1) => {
    setTemplateIds((ids) => {
      const copy = [...ids];
      const [id] = copy.splice(index, 1);
      if (id !== undefined) copy.splice(index + by, 0, id);
      return copy;
    });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const tagList = tagsOf(tags);
    const targeting = {
      templateIds,
      sendingNumberIds: numberIds,
      segment: tagList.length > 0 ? { tags: tagList, tagsMatch } : {},
      ...(needsLink || linkUrl.trim() ? { linkUrl: linkUrl.trim() || undefined } : {}),
    };
    setSaving(true);
    try {
      const saved = existing
        ? await api<Campaign>('PATCH', `/api/campaigns/${existing.id}`, locked ? { name: name.trim() } : { name: name.trim(), ...targeting, linkUrl: needsLink ? linkUrl.trim() : null })
        : await api<Campaign>('POST', '/api/campaigns', { name: name.trim(), ...targeting });
      toast(existing ? `Saved “${saved.name}”.` : `Created “${saved.name}” as a draft. Queue it when you are ready.`);
      navigate(`/campaigns/${saved.id}`);
    } catch (e) {
      setError(message(e));
      setSaving(false);
    }
  };

  const valid = name.trim() !== '' && templateIds.length > 0 && (!needsLink || linkUrl.trim() !== '');

  return (
    <section>
      <p class="crumbs">
        <Link href="/campaigns">Campaigns</Link>
        {existing && (
          <>
            {' / '}
            <Link href={`/campaigns/${existing.id}`}>{existing.name}</Link>
          </>
        )}
      </p>
      <header class="page-head">
        <h1>{existing ? 'Edit campaign' : 'New campaign'}</h1>
      </header>
      <form class="panel form" onSubmit={submit} aria-label="Campaign" data-testid="campaign-form">
        <label class="field">
          <span>Name</span>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Spring offer — Sydney" required maxLength={200} data-testid="campaign-name-input" />
        </label>

        {locked && <p class="note">This campaign has been queued: only its name can change. Make a new campaign to send something else.</p>}

        <fieldset class="fieldset" disabled={locked}>
          <legend>Templates, in rotation order</legend>
          {chosen.length === 0 && <p class="muted small">Pick at least one. With several, contacts are split evenly, and each always gets the same one.</p>}
          <ol class="rotation rotation-edit" data-testid="chosen-templates">
            {chosen.map((t, i) => (
              <li key={t.id}>
                <div class="rotation-line">
                  <span class="rotation-name">{t.name}</span>
                  <Figures preview={previewWith(pricing, t.body)} compact />
                  <span class="spacer" />
                  <button type="button" class="quiet compact" aria-label={`Move ${t.name} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button type="button" class="quiet compact" aria-label={`Move ${t.name} down`} disabled={i === chosen.length - 1} onClick={() => move(i, 1)}>
                    ↓
                  </button>
                  <button type="button" class="quiet compact" aria-label={`Remove ${t.name}`} onClick={() => setTemplateIds((ids) => ids.filter((id) => id !== t.id))}>
                    Remove
                  </button>
                </div>
                <div class="muted small rotation-body">{t.body}</div>
              </li>
            ))}
          </ol>
          {available.length > 0 && (
            <div class="field-row">
              <select
                aria-label="Add a template"
                value=""
                onChange={(e) => {
                  const id = e.currentTarget.value;
                  if (id) setTemplateIds((ids) => [...ids, id]);
                }}
                data-testid="add-template"
              >
                <option value="">Add a template…</option>
                {available.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
              <Link href="/templates?new">Write a new template</Link>
            </div>
          )}
          {templates?.length === 0 && (
            <p class="muted">
              No templates yet. <Link href="/templates?new">Write one first</Link>.
            </p>
          )}
          {needsLink && (
            <label class="field field-top">
              <span>Links lead to (each contact gets their own short link to this address)</span>
              <input type="url" value={linkUrl} onInput={(e) => setLinkUrl(e.currentTarget.value)} placeholder="https://example.com/offer" required data-testid="link-url" />
            </label>
          )}
        </fieldset>

        <fieldset class="fieldset" disabled={locked}>
          <legend>Send from</legend>
          {numbers?.length === 0 && <p class="bad small">No active bulk number: an admin adds one before anything can be queued.</p>}
          <div class="checks">
            {numbers?.map((n) => (
              <label key={n.id} class="check">
                <input type="checkbox" checked={numberIds.includes(n.id)} onChange={(e) => setNumberIds((ids) => (e.currentTarget.checked ? [...ids, n.id] : ids.filter((id) => id !== n.id)))} />
                <span class="mono">{n.e164}</span>
                {n.label && <span class="muted">{n.label}</span>}
                <span class="tag">{n.provider}</span>
              </label>
            ))}
          </div>
          <p class="muted small">{numberIds.length === 0 ? 'None ticked: every active bulk number, in turn.' : `${numberIds.length} number${numberIds.length === 1 ? '' : 's'}, in turn.`}</p>
        </fieldset>

        <fieldset class="fieldset" disabled={locked}>
          <legend>Who</legend>
          <div class="field-row">
            <input class="tags-input" value={tags} onInput={(e) => setTags(e.currentTarget.value)} placeholder="Tags, comma separated (empty: every contact)" aria-label="Segment tags" />
            <select aria-label="Tag match" value={tagsMatch} onChange={(e) => setTagsMatch(e.currentTarget.value as 'any' | 'all')} disabled={tagsOf(tags).length < 2}>
              <option value="any">any of these tags</option>
              <option value="all">all of these tags</option>
            </select>
          </div>
          <p class="muted small">Do-not-contact, opted-out and cooldown contacts are left out when you queue, and counted.</p>
        </fieldset>

        {error && (
          <p class="form-error" data-testid="form-error">
            {error}
          </p>
        )}
        <div class="form-actions">
          <button type="submit" class="primary" disabled={!valid || saving} data-testid="save-campaign">
            {existing ? 'Save changes' : 'Create campaign'}
          </button>
          <Link href={existing ? `/campaigns/${existing.id}` : '/campaigns'} class="button quiet">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
