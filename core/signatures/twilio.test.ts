import { describe, expect, it } from 'vitest';
import { parseTwilioForm, twilioSignature, twilioSigningData, twilioUrlVariants, verifyTwilioRequest } from './twilio';

// Twilio's public test vector (its docs and every official helper library's tests).
const token = '12345';
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};
const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

// The same URL with the standard port, signed independently (openssl dgst -sha1 -hmac 12345 | base64).
const signatureWithPort = 'kvajT1Ptam85bY51eRf/AJRuM3w=';

// Twilio's JSON-body vector: the URL carries the hex SHA-256 of the body; the signature covers the URL only.
const jsonBody = '{"property": "value", "boolean": true}';
const jsonUrl = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
const jsonSignature = 'a9nBmqA0ju/hNViExpshrM61xv4=';

describe('twilioSignature', () => {
  it('reproduces the public vector', async () => {
    expect(twilioSigningData(url, params)).toBe(
      'https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212',
    );
    expect(await twilioSignature(token, url, params)).toBe(signature);
  });

  it('sorts by name whatever order the parameters came in', async () => {
    const shuffled = { To: params.To, Digits: params.Digits, CallSid: params.CallSid, From: params.From, Caller: params.Caller };
    expect(await twilioSignature(token, url, shuffled)).toBe(signature);
  });

  it('signs a repeated parameter once per distinct value, values sorted', () => {
    expect(twilioSigningData('https://x.test/', { MediaUrl: ['b', 'a', 'b'], Body: 'hi' })).toBe('https://x.test/BodyhiMediaUrlaMediaUrlb');
  });
});

describe('verifyTwilioRequest', () => {
  const good = { authTokens: [token], signature, url, params };

  it('accepts the public vector', async () => {
    expect(await verifyTwilioRequest(good)).toEqual({ ok: true });
  });

  it.each([
    ['URL: one character in the path', { url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }],
    ['URL: host', { url: 'https://mycompany.co/myapp.php?foo=1&bar=2' }],
    ['URL: scheme', { url: 'http://mycompany.com/myapp.php?foo=1&bar=2' }],
    ['URL: query dropped', { url: 'https://mycompany.com/myapp.php' }],
    ['parameter value', { params: { ...params, Digits: '1235' } }],
    ['parameter name', { params: { CallSid: params.CallSid, Caller: params.Caller, digits: params.Digits, From: params.From, To: params.To } }],
    ['parameter added', { params: { ...params, Body: 'x' } }],
    ['parameter removed', { params: { CallSid: params.CallSid, Caller: params.Caller, Digits: params.Digits, From: params.From } }],
    ['token', { authTokens: ['12346'] }],
    ['signature', { signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B9=' }],
  ])('refuses a one-character change: %s', async (_name, change) => {
    expect(await verifyTwilioRequest({ ...good, ...change })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    [undefined, 'missing'],
    [null, 'missing'],
    ['', 'missing'],
    ['not base64!', 'malformed'],
    ['RSOYDt4T1cUTdK1PDd93/VVr8B8', 'malformed'],
  ])('refuses signature %j: %s', async (presented, reason) => {
    expect(await verifyTwilioRequest({ ...good, signature: presented })).toEqual({ ok: false, reason });
  });

  it('accepts the URL with and without the standard port, whichever form Twilio signed', async () => {
    // Twilio signed with :443; we know the URL without it.
    expect(await verifyTwilioRequest({ ...good, signature: signatureWithPort })).toEqual({ ok: true });
    // Twilio signed without the port; our configured URL has it.
    expect(await verifyTwilioRequest({ ...good, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' })).toEqual({ ok: true });
    expect(await verifyTwilioRequest({ ...good, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', signature: signatureWithPort })).toEqual({ ok: true });
    // Another port is another URL.
    expect(await verifyTwilioRequest({ ...good, signature: await twilioSignature(token, 'https://mycompany.com:8443/myapp.php?foo=1&bar=2', params) })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('accepts the secondary token during a rotation, and ignores empty tokens', async () => {
    expect(await verifyTwilioRequest({ ...good, authTokens: ['', 'old-token', token] })).toEqual({ ok: true });
    expect(await verifyTwilioRequest({ ...good, authTokens: [''] })).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifyTwilioRequest({ ...good, authTokens: [] })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('checks a form body parsed from the raw request', async () => {
    const raw = 'To=%2B18005551212&From=%2B14158675309&Digits=1234&Caller=%2B14158675309&CallSid=CA1234567890ABCDE';
    expect(await verifyTwilioRequest({ ...good, params: parseTwilioForm(raw) })).toEqual({ ok: true });
  });

  describe('JSON bodies (bodySHA256)', () => {
    const json = { authTokens: [token], signature: jsonSignature, url: jsonUrl, rawBody: jsonBody };

    it("accepts Twilio's JSON vector", async () => {
      expect(await verifyTwilioRequest(json)).toEqual({ ok: true });
    });

    it.each([
      ['a changed body', { rawBody: '{"property": "value", "boolean": false}' }],
      ['a missing body', { rawBody: undefined }],
      ['a changed hash in the URL (signature no longer matches)', { url: jsonUrl.replace(/0a1f/, '0a1e') }],
      ['form parameters instead of the URL-only signature', { signature }],
    ])('refuses %s', async (_name, change) => {
      expect(await verifyTwilioRequest({ ...json, ...change })).toEqual({ ok: false, reason: 'mismatch' });
    });

    it('ignores form parameters, since the signature covers the URL only', async () => {
      expect(await verifyTwilioRequest({ ...json, params })).toEqual({ ok: true });
    });
  });
});

describe('twilioUrlVariants', () => {
  it.each([
    ['https://a.test/x?y=1', ['https://a.test/x?y=1', 'https://a.test:443/x?y=1']],
    ['http://a.test/x', ['http://a.test/x', 'http://a.test:80/x']],
    ['https://a.test:443/x', ['https://a.test:443/x', 'https://a.test/x']],
    ['http://localhost:8787/api/webhooks/twilio', ['http://localhost:8787/api/webhooks/twilio', 'http://localhost/api/webhooks/twilio']],
    ['https://user:pw@a.test/x', ['https://user:pw@a.test/x', 'https://user:pw@a.test:443/x']],
    ['https://[::1]:8443/x', ['https://[::1]:8443/x', 'https://[::1]/x']],
    ['https://[::1]/x', ['https://[::1]/x', 'https://[::1]:443/x']],
    ['https://a.test', ['https://a.test', 'https://a.test:443']],
    ['not a url', ['not a url']],
  ])('%s', (input, variants) => {
    expect(twilioUrlVariants(input)).toEqual(variants);
  });
});

describe('parseTwilioForm', () => {
  it('decodes form encoding and keeps repeated names', () => {
    expect(parseTwilioForm('Body=Hello+there%21&MediaUrl0=a&MediaUrl0=b&Empty=')).toEqual({ Body: 'Hello there!', MediaUrl0: ['a', 'b'], Empty: '' });
  });
});
