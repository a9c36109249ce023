/**
 * The page a person sees when a short link is unknown or past its 60 days. It is static on purpose:
 * it says nothing about whether the token ever existed (tokens are not enumerable) and loads nothing
 * from anywhere (its CSP allows only its own inline style).
 */
export const expiredLinkPageCsp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function expiredLinkPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>Link not available</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f6f7f9; color: #1f2933; }
  main { max-width: 26rem; margin: 1.5rem; padding: 2rem 1.75rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08); text-align: center; }
  h1 { margin: 0 0 0.5rem; font-size: 1.25rem; }
  p { margin: 0; color: #52606d; }
  @media (prefers-color-scheme: dark) {
    body { background: #111418; color: #e4e7eb; }
    main { background: #1c2026; box-shadow: none; }
    p { color: #9aa5b1; }
  }
</style>
</head>
<body>
<main>
<h1>This link has expired or does not exist</h1>
<p>Links in our messages work for a limited time. If you still need it, reply to the message you received.</p>
</main>
</body>
</html>
`;
}
