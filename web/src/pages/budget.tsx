/**
 * Budget and kill switch: the tenant's spend caps (typed in dollars, stored as integer micros by the
 * API), rate limits, what has been spent today and this month against them, and the switch that
 * pauses every send of the tenant. Everyone in the tenant sees it (staff check what is left before
 * they queue); only admins change it.
 *
 * The switch flips at once (the shell's indicator with it) and flips back with a toast if the server
 * refuses. Pausing asks once more, inline, because it stops every campaign.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatMicros, parseDollars, usedBps } from '../../../core/money/micros';
import { api, ApiError, type Me } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';
import { setPauseState, usePauseState, type PauseState } from './budget-pause';

type Budget = {
  configured: boolean;
  dailyMicros: number | null;
  monthlyMicros: number | null;
  perMinute: number | null;
  perNumberPerMinute: number | null;
  alertAtPercent: number;
  /** The tenant's own alert webhook, by origin only (the full URL is its secret). */
  alertWebhookOrigin: string | null;
  alertEmail: string | null;
  timezone: string;
  spent: { todayMicros: number; thisMonthMicros: number; dayEndsAt: string; monthEndsAt: string };
  paused: PauseState;
  updatedAt: string | null;
};

/** `alertWebhook` is write-only: empty keeps the saved one, a URL replaces it, `removeWebhook` drops it. */
type Form = { daily: string; monthly: string; perMinute: string; perNumberPerMinute: string; alertAtPercent: string; alertEmail: string; alertWebhook: string; removeWebhook: boolean };
type TextKey = Exclude<keyof Form, 'removeWebhook'>;

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

function dollars(micros: number | null): string {
  return micros === null ? '' : formatMicros(micros, { grouping: false }).replace('$', '');
}

function formOf(b: Budget): Form {
  return {
    daily: dollars(b.dailyMicros),
    monthly: dollars(b.monthlyMicros),
    perMinute: b.perMinute?.toString() ?? '',
    perNumberPerMinute: b.perNumberPerMinute?.toString() ?? '',
    alertAtPercent: String(b.alertAtPercent),
    alertEmail: b.alertEmail ?? '',
    alertWebhook: '',
    removeWebhook: false,
  };
}

function emailError(text: string): string | undefined {
  return text.trim() === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim()) ? undefined : 'Not an email address';
}

function webhookError(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'An http(s) URL';
  } catch {
    return 'Not a URL';
  }
}

const amountProblems = { empty: 'Required', malformed: 'Not an amount', too_precise: 'At most 6 decimals', too_large: 'Too large' } as const;

function amountError(text: string): string | undefined {
  const parsed = parseDollars(text);
  if (!parsed.ok) return amountProblems[parsed.reason];
  return parsed.micros < 0 ? 'Cannot be negative' : undefined;
}

function countError(text: string, optional: boolean, max: number): string | undefined {
  if (text.trim() === '') return optional ? undefined : 'Required';
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= max ? undefined : `A whole number from 1 to ${max.toLocaleString()}`;
}

function SpendBar(props: { label: string; spent: number; cap: number | null; alertAt: number; resetsAt: string; testId: string }) {
  const used = props.cap === null ? 0 : Math.min(10_000, usedBps(props.spent, props.cap)) / 100;
  const tone = used >= 100 ? 'part-failed' : used >= props.alertAt ? 'part-reconcile' : 'part-sent';
  return (
    <div class="spend" data-testid={props.testId}>
      <div class="spend-head">
        <span>{props.label}</span>
        <span class="spacer" />
        <b>{formatMicros(props.spent)}</b>
        <span class="muted">{props.cap === null ? ' · no cap' : ` of ${formatMicros(props.cap)} · ${Math.floor(used)}%`}</span>
      </div>
      <div class="spend-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(used)} aria-label={`${props.label} spend`}>
        <div class={`spend-fill ${tone}`} style={{ width: `${used}%` }} />
        {props.cap !== null && <div class="spend-alert" style={{ left: `${props.alertAt}%` }} title={`Alert at ${props.alertAt}%`} />}
      </div>
      <div class="muted small" title={exactTime(props.resetsAt)}>
        Resets {ago(props.resetsAt)}
      </div>
    </div>
  );
}

export function BudgetPage(props: { me: Me }) {
  const toast = useToast();
  const tenantId = props.me.tenant.id;
  const isAdmin = props.me.user.role === 'admin';
  const [budget, setBudget] = useState<Budget | undefined>();
  const [form, setForm] = useState<Form | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const [confirmingPause, setConfirmingPause] = useState(false);
  const pause = usePauseState(tenantId) ?? budget?.paused;

  useEffect(() => {
    api<Budget>('GET', `/api/tenants/${tenantId}/budget`).then(
      (b) => {
        setBudget(b);
        setForm(formOf(b));
        setPauseState(b.paused);
      },
      (e: unknown) => setLoadError(message(e)),
    );
  }, [tenantId]);

  const errors = form && {
    daily: amountError(form.daily),
    monthly: amountError(form.monthly),
    perMinute: countError(form.perMinute, true, 1_000_000),
    perNumberPerMinute: countError(form.perNumberPerMinute, true, 1_000_000),
    alertAtPercent: countError(form.alertAtPercent, false, 100),
    alertEmail: emailError(form.alertEmail),
    alertWebhook: form.removeWebhook ? undefined : webhookError(form.alertWebhook),
  };
  const invalid = errors !== undefined && Object.values(errors).some((e) => e !== undefined);
  const dirty = budget !== undefined && form !== undefined && JSON.stringify(formOf(budget)) !== JSON.stringify(form);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!form || !budget || invalid) return;
    const daily = parseDollars(form.daily);
    const monthly = parseDollars(form.monthly);
    if (!daily.ok || !monthly.ok) return;
    const body: { dailyMicros: number; monthlyMicros: number; perMinute: number | null; perNumberPerMinute: number | null; alertAtPercent: number; alertEmail: string | null; alertWebhookUrl?: string | null } = {
      dailyMicros: daily.micros,
      monthlyMicros: monthly.micros,
      perMinute: form.perMinute.trim() === '' ? null : Number(form.perMinute),
      perNumberPerMinute: form.perNumberPerMinute.trim() === '' ? null : Number(form.perNumberPerMinute),
      alertAtPercent: Number(form.alertAtPercent),
      alertEmail: form.alertEmail.trim() === '' ? null : form.alertEmail.trim(),
      ...(form.removeWebhook ? { alertWebhookUrl: null } : form.alertWebhook.trim() !== '' ? { alertWebhookUrl: form.alertWebhook.trim() } : {}),
    };
    // Optimistic: the form already shows the new values; the bars follow at once.
    const before = budget;
    const { alertWebhookUrl, ...shown } = body;
    const webhookOrigin = alertWebhookUrl === undefined ? budget.alertWebhookOrigin : alertWebhookUrl === null ? null : new URL(alertWebhookUrl).origin;
    setBudget({ ...budget, ...shown, alertWebhookOrigin: webhookOrigin, configured: true });
    try {
      const saved = await api<Budget>('POST', `/api/tenants/${tenantId}/budget`, body);
      setBudget(saved);
      setForm(formOf(saved));
      toast(`Budget saved: ${formatMicros(saved.dailyMicros ?? 0)} a day, ${formatMicros(saved.monthlyMicros ?? 0)} a month.`);
    } catch (e) {
      setBudget(before);
      toast(message(e), 'error');
    }
  };

  const flip = async (next: boolean) => {
    const before = pause ?? { paused: !next, since: null, reason: null };
    setConfirmingPause(false);
    setPauseState(next ? { paused: true, since: new Date().toISOString(), reason: reason.trim() || 'paused by an admin' } : { paused: false, since: null, reason: null });
    try {
      const answer = await api<PauseState>('POST', `/api/tenants/${tenantId}/${next ? 'pause' : 'resume'}`, next && reason.trim() ? { reason: reason.trim() } : undefined);
      setPauseState(answer);
      setReason('');
      toast(next ? 'All sending paused. No provider call is made until you resume.' : 'Sending resumed.');
    } catch (e) {
      setPauseState(before);
      toast(message(e), 'error');
    }
  };

  const field = (key: TextKey, label: string, options: { prefix?: string; suffix?: string; placeholder?: string; hint?: string; inputMode?: 'decimal' | 'email' | 'url' }) => (
    <label class="field">
      <span>{label}</span>
      <span class={`affix${errors?.[key] ? ' affix-bad' : ''}`}>
        {options.prefix && <span class="affix-text">{options.prefix}</span>}
        <input
          value={form?.[key] ?? ''}
          inputMode={options.inputMode ?? 'decimal'}
          placeholder={options.placeholder}
          disabled={!isAdmin || !form}
          aria-label={label}
          aria-invalid={errors?.[key] ? 'true' : undefined}
          onInput={(e) => {
            const value = e.currentTarget.value;
            setForm((f) => f && { ...f, [key]: value });
          }}
        />
        {options.suffix && <span class="affix-text">{options.suffix}</span>}
      </span>
      <em class={errors?.[key] ? 'field-error' : 'field-hint'}>{errors?.[key] ?? options.hint ?? ' '}</em>
    </label>
  );

  return (
    <section>
      <header class="page-head">
        <h1>Budget and kill switch</h1>
        {budget && <span class="count">times in {budget.timezone}</span>}
      </header>
      {loadError && <p class="form-error">{loadError}</p>}

      <div class={`panel killswitch${pause?.paused ? ' killswitch-on' : ''}`} data-testid="kill-switch">
        <div class="killswitch-state">
          <span class={`state-dot${pause?.paused ? ' state-dot-bad' : ' state-dot-ok'}`} aria-hidden="true" />
          <div>
            <div class="killswitch-title" data-testid="kill-switch-state">
              {pause === undefined ? 'Checking…' : pause.paused ? 'All sending is paused' : 'Sending is on'}
            </div>
            <div class="muted small">
              {pause?.paused
                ? `${pause.reason ?? 'Paused'}${pause.since ? ` · since ${exactTime(pause.since)}` : ''}. Jobs wait; nothing is dropped.`
                : 'Pausing stops every provider call for your organisation at the sender’s next check (within seconds). Campaigns keep their status.'}
            </div>
          </div>
        </div>
        <span class="spacer" />
        {isAdmin && pause && !pause.paused && !confirmingPause && (
          <button type="button" class="danger" onClick={() => setConfirmingPause(true)} data-testid="pause-all">
            Pause all sending
          </button>
        )}
        {isAdmin && pause && !pause.paused && confirmingPause && (
          <div class="field-row">
            <input value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="Reason (optional)" aria-label="Reason for pausing" maxLength={200} />
            <button type="button" class="danger" onClick={() => void flip(true)} data-testid="pause-all-confirm">
              Pause everything
            </button>
            <button type="button" class="quiet" onClick={() => setConfirmingPause(false)}>
              Cancel
            </button>
          </div>
        )}
        {isAdmin && pause?.paused && (
          <button type="button" class="primary" onClick={() => void flip(false)} data-testid="resume-all">
            Resume sending
          </button>
        )}
      </div>

      <div class="columns">
        <form class="panel form" onSubmit={save} aria-label="Budget" data-testid="budget-form">
          <h2 class="h2 panel-title">Caps</h2>
          {budget && !budget.configured && <p class="note">No budget yet: nothing caps spend. Set both caps to turn it on.</p>}
          <div class="field-grid">
            {field('daily', 'Daily cap', { prefix: '$', placeholder: '50.00', hint: 'Per local day' })}
            {field('monthly', 'Monthly cap', { prefix: '$', placeholder: '1000.00', hint: 'Per calendar month' })}
            {field('alertAtPercent', 'Alert at', { suffix: '%', hint: 'Of either cap' })}
            {field('perMinute', 'Messages a minute', { placeholder: 'no limit', hint: 'Whole organisation' })}
            {field('perNumberPerMinute', 'Per number a minute', { placeholder: 'no limit', hint: 'Each sending number' })}
          </div>
          <h3 class="h2 section-title">Where your alerts go</h3>
          <p class="muted small section-note">Near and at a cap, pauses, error spikes, auto-paused campaigns: once per window, besides the operator’s channels.</p>
          <div class="field-grid field-grid-alerts">
            {field('alertEmail', 'Alert email', { placeholder: 'ops@example.com', hint: 'One address (a list address works)', inputMode: 'email' })}
            {field('alertWebhook', 'Alert webhook', {
              placeholder: budget?.alertWebhookOrigin ? `set: ${budget.alertWebhookOrigin}/…` : 'https://hooks.slack.com/…',
              hint: budget?.alertWebhookOrigin ? 'Saved; type a new URL to replace it' : 'A Slack-style incoming webhook, or any JSON receiver',
              inputMode: 'url',
            })}
          </div>
          {isAdmin && budget?.alertWebhookOrigin && (
            <label class="check small">
              <input type="checkbox" checked={form?.removeWebhook ?? false} onChange={(e) => {
                const checked = e.currentTarget.checked;
                setForm((f) => f && { ...f, removeWebhook: checked });
              }} data-testid="remove-webhook" />
              Remove the saved webhook ({budget.alertWebhookOrigin})
            </label>
          )}
          {isAdmin ? (
            <div class="form-actions">
              <button type="submit" class="primary" disabled={!dirty || invalid} data-testid="save-budget">
                Save budget
              </button>
              {dirty && budget && (
                <button type="button" class="quiet" onClick={() => setForm(formOf(budget))}>
                  Discard changes
                </button>
              )}
              <span class="spacer" />
              {budget?.updatedAt && (
                <span class="muted small" title={exactTime(budget.updatedAt)}>
                  Changed {ago(budget.updatedAt)}
                </span>
              )}
            </div>
          ) : (
            <p class="muted small">Only admins change the budget.</p>
          )}
          <p class="muted small">A message that would pass a cap waits for the cap to reset; one dearer than a whole cap is skipped. Amounts are stored exactly (micro-dollars).</p>
        </form>

        <div class="panel" data-testid="spend">
          <h2 class="h2 panel-title">Spend</h2>
          {budget ? (
            <>
              <SpendBar label="Today" spent={budget.spent.todayMicros} cap={budget.dailyMicros} alertAt={budget.alertAtPercent} resetsAt={budget.spent.dayEndsAt} testId="spend-today" />
              <SpendBar label="This month" spent={budget.spent.thisMonthMicros} cap={budget.monthlyMicros} alertAt={budget.alertAtPercent} resetsAt={budget.spent.monthEndsAt} testId="spend-month" />
            </>
          ) : (
            <div class="skeleton-block" />
          )}
        </div>
      </div>
    </section>
  );
}
