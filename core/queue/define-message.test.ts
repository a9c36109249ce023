import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineMessage, envelopeSchema } from './define-message';
import { probeStepDedupeId, probeStepMessage } from './probe-step-message';

const chunkV1 = defineMessage('import.chunk', 1, z.object({ importId: z.string(), chunk: z.number().int().min(0), note: z.string().optional() }));

describe('defineMessage', () => {
  it('builds a versioned envelope', () => {
    expect(chunkV1.envelope({ importId: 'imp_1', chunk: 3 })).toEqual({ type: 'import.chunk', v: 1, data: { importId: 'imp_1', chunk: 3 } });
  });

  it('refuses to build what a receiver would reject', () => {
    expect(() => chunkV1.envelope({ importId: 'imp_1', chunk: -1 })).toThrow(z.ZodError);
  });

  it.each([
    ['the right type and version', { type: 'import.chunk', v: 1, data: { importId: 'i', chunk: 0 } }, true],
    ['another version', { type: 'import.chunk', v: 2, data: { importId: 'i', chunk: 0 } }, false],
    ['another type', { type: 'probe.step', v: 1, data: {} }, false],
    ['not an envelope', { importId: 'i', chunk: 0 }, false],
    ['null', null, false],
  ])('parses %s: %s', (_what, body, ok) => {
    expect(chunkV1.parse(body).success).toBe(ok);
  });

  it('says which field is wrong', () => {
    const result = chunkV1.parse({ type: 'import.chunk', v: 1, data: { importId: 'i', chunk: 'x' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['data', 'chunk']);
  });

  it.each([
    [{ type: 'import.chunk', v: 1, data: 1 }, true],
    [{ type: 'import.chunk', v: 2, data: 1 }, false],
    [{ type: 'import.chunk', v: '1', data: 1 }, false],
  ])('matches %j → %s', (body, expected) => {
    expect(chunkV1.matches(body)).toBe(expected);
  });

  it.each(['chunk', 'Import.chunk', 'import.', 'import chunk'])('refuses the type name %j', (type) => {
    expect(() => defineMessage(type, 1, z.object({}))).toThrow(RangeError);
  });

  it.each([
    [{ type: 'a.b', v: 1, data: null }, true],
    [{ type: 'a.b', v: 0, data: null }, false],
    [{ type: 'ab', v: 1, data: null }, false],
  ])('the common envelope accepts %j: %s', (body, ok) => {
    expect(envelopeSchema.safeParse(body).success).toBe(ok);
  });
});

describe('probe.step', () => {
  it.each([
    [{ probeId: 'p', step: 1, steps: 1 }, true],
    [{ probeId: 'p', step: 10_000, steps: 10_000 }, true],
    [{ probeId: 'p', step: 2, steps: 1 }, false],
    [{ probeId: 'p', step: 0, steps: 1 }, false],
    [{ probeId: '', step: 1, steps: 1 }, false],
    [{ probeId: 'p', step: 1, steps: 10_001 }, false],
  ])('data %j valid: %s', (data, ok) => {
    expect(probeStepMessage.parse({ type: 'probe.step', v: 1, data }).success).toBe(ok);
  });

  it('scopes dedupe ids to one probe and one step', () => {
    expect(probeStepDedupeId('qp_1', 7)).toBe('probe:qp_1:step:7');
    expect(probeStepDedupeId('qp_1', 7)).not.toBe(probeStepDedupeId('qp_2', 7));
  });
});
