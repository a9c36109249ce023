/**
 * What a person sees after clicking a dead magic link (used, expired or unknown): a plain page with
 * the way forward, served with status 401 as the contract says. API clients asking for JSON get the
 * usual error body instead.
 */
export function signInFailedPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Sign-in link not valid · Revenue Reactor</title>
<style>
  body { margin: 0; font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24; background: #f6f7f9; }
  main { max-width: 420px; margin: 12vh auto; padding: 24px; background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; }
  h1 { font-size: 17px; margin: 0 0 8px; }
  p { color: #5b6470; margin: 0 0 16px; }
  a { display: inline-block; padding: 6px 12px; border-radius: 4px; background: #1f4fd1; color: #fff; text-decoration: none; }
</style>
</head>
<body>
<main>
  <h1>This sign-in link no longer works</h1>
  <p>Each link works once and expires 15 minutes after it was sent. Ask for a new one and use the newest mail.</p>
  <a href="/login">Get a new link</a>
</main>
</body>
</html>`;
}
