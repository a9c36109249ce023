/**
 * `probe.step`: one hop of a queue probe (an ops feature proving the chain end to end). The cron
 * function handles step n, records it, and stages step n+1 in the same transaction, until `steps`.
 */
import { z } from 'zod';
import { defineMessage } from './define-message';

export const maxProbeSteps = 10_000;

export const probeStepMessage = defineMessage(
  'probe.step',
  1,
  z.object({
    probeId: z.string().min(1).max(64),
    step: z.number().int().min(1).max(maxProbeSteps),
    steps: z.number().int().min(1).max(maxProbeSteps),
  }).refine((d) => d.step <= d.steps, { message: 'step must not exceed steps', path: ['step'] }),
);

/** Scope: one probe's one step, so a redelivered step n never stages step n+1 twice. */
export function probeStepDedupeId(probeId: string, step: number): string {
  return `probe:${probeId}:step:${step}`;
}
