/**
 * The live counter of the template editor: encoding, characters, parts and cost on every keystroke.
 *
 * The figures come from the same pure function the API answers `POST /api/messages/preview` with
 * (core/messages/preview.ts), run in the browser so typing never waits on the network. What only the
 * server knows — the price of a part for the tenant's bulk provider and default country, and the
 * length of the short links the Broadcaster mints — is asked once, with a preview of `{link}`, and
 * cached for the session.
 */
import { useEffect, useState } from 'preact/hooks';
import { previewMessage, type MessagePreview, type PreviewSample } from '../../../core/messages/preview';
import { formatMicros } from '../../../core/money/micros';
import { api } from '../api';

export type Pricing = { linkPlaceholder: string; microsPerPart?: number; provider?: string; country: string };
type PreviewAnswer = { rendered: string; microsPerPart?: number; provider?: string; country: string };

/** Until the server answers, links count as a short link of the usual length; there is no cost yet. */
const fallbackPricing: Pricing = { linkPlaceholder: `https://rr.example/${'x'.repeat(10)}`, country: '' };
let pricingRequest: Promise<Pricing> | undefined;

function loadPricing(): Promise<Pricing> {
  pricingRequest ??= api<PreviewAnswer>('POST', '/api/messages/preview', { body: '{link}' }).then(
    (p) => ({ linkPlaceholder: p.rendered, microsPerPart: p.microsPerPart, provider: p.provider, country: p.country }),
    (error: unknown) => {
      pricingRequest = undefined;
      throw error;
    },
  );
  return pricingRequest;
}

export function usePricing(): Pricing {
  const [pricing, setPricing] = useState<Pricing>(fallbackPricing);
  useEffect(() => {
    let live = true;
    loadPricing().then(
      (p) => live && setPricing(p),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return pricing;
}

export function previewWith(pricing: Pricing, body: string, sample: PreviewSample = {}): MessagePreview {
  return previewMessage({ body, sample, linkPlaceholder: pricing.linkPlaceholder, microsPerPart: pricing.microsPerPart });
}

export function money(micros: number): string {
  return formatMicros(micros);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** One line of figures: `GSM-7 · 142 characters · 1 part · 18 left in part · $0.045`. */
export function Figures(props: { preview: Pick<MessagePreview, 'encoding' | 'characters' | 'parts' | 'remainingInPart' | 'costMicros' | 'unitsPerPart'>; testId?: string; compact?: boolean }) {
  const p = props.preview;
  return (
    <span class={`figures${props.compact ? ' figures-compact' : ''}`} data-testid={props.testId}>
      <span class={`encoding encoding-${p.encoding === 'GSM-7' ? 'gsm' : 'ucs'}`} data-testid={props.testId ? `${props.testId}-encoding` : undefined} title={p.encoding === 'GSM-7' ? 'GSM-7: 160 characters in one part, 153 per part when split' : 'UCS-2: 70 characters in one part, 67 per part when split'}>
        {p.encoding}
      </span>
      <span data-testid={props.testId ? `${props.testId}-characters` : undefined}>{plural(p.characters, 'character')}</span>
      <span data-testid={props.testId ? `${props.testId}-parts` : undefined} class={p.parts > 1 ? 'warn' : undefined}>
        {plural(p.parts, 'part')}
      </span>
      {!props.compact && <span class="muted">{p.remainingInPart.toLocaleString()} left in this part</span>}
      {p.costMicros !== undefined && (
        <span data-testid={props.testId ? `${props.testId}-cost` : undefined} title="Per message, at the price of your bulk provider for your default country">
          {money(p.costMicros)}
        </span>
      )}
    </span>
  );
}
