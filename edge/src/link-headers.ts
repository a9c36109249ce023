/**
 * Headers every short-domain response carries. A short link is a one-off hop for a person who tapped it
 * in an SMS: nothing may be cached (a revoked or expired link must stop working at once), the
 * target must not learn the token through `Referer`, and the domain is HTTPS-only for good (HSTS).
 */
export const linkResponseHeaders: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
};
