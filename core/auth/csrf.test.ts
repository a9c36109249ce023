import { describe, expect, it } from 'vitest';
import { csrfVerdict } from './csrf';

const token = 'q'.repeat(43);

describe('csrfVerdict', () => {
  it.each([
    ['GET', undefined, 'not_needed'],
    ['HEAD', 'wrong', 'not_needed'],
    ['OPTIONS', undefined, 'not_needed'],
    ['POST', token, 'ok'],
    ['PATCH', token, 'ok'],
    ['DELETE', token, 'ok'],
    ['POST', undefined, 'missing'],
    ['POST', '', 'missing'],
    ['PUT', null, 'missing'],
    ['POST', 'x'.repeat(43), 'mismatch'],
    ['DELETE', token.slice(1), 'mismatch'],
  ])('%s with %s → %s', (method, presented, verdict) => {
    expect(csrfVerdict({ method, expected: token, presented })).toBe(verdict);
  });
});
