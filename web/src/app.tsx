/**
 * The admin shell: finds out who is signed in (`GET /api/auth/me`), shows the login page when nobody
 * is (and whenever the API answers 401), and otherwise the layout: navigation, the current user and
 * tenant, sign-out, and the page for the current path.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError, onUnauthenticated, type Me } from './api';
import { AuditPage } from './pages/audit';
import { BudgetPage } from './pages/budget';
import { PauseIndicator } from './pages/budget-pause';
import { CampaignsRoute } from './pages/campaigns';
import { ConversationsRoute } from './pages/conversations';
import { HomePage } from './pages/home';
import { ImportsPage } from './pages/imports';
import { LoginPage } from './pages/login';
import { ProspectsPage } from './pages/prospects';
import { TemplatesPage } from './pages/templates';
import { UsersPage } from './pages/users';
import { Link, navigate, usePath } from './router';
import { ToastProvider, useToast } from './toasts';

type Auth = { state: 'checking' } | { state: 'out' } | { state: 'down'; reason: string } | { state: 'in'; me: Me };

const nav = [
  { href: '/', label: 'Overview', admin: false },
  { href: '/imports', label: 'Imports', admin: false },
  { href: '/prospects', label: 'Prospects', admin: false },
  { href: '/conversations', label: 'Inbox', admin: false },
  { href: '/campaigns', label: 'Campaigns', admin: false },
  { href: '/templates', label: 'Templates', admin: false },
  { href: '/budget', label: 'Budget', admin: false },
  { href: '/users', label: 'Users', admin: true },
  { href: '/audit', label: 'Audit log', admin: true },
];

function Shell(props: { me: Me; onSignedOut: () => void }) {
  const path = usePath();
  const toast = useToast();
  const { user, tenant } = props.me;
  const isAdmin = user.role === 'admin';

  const signOut = async () => {
    try {
      await api('POST', '/api/auth/logout');
    } catch {
      // Signed out either way: a session the server no longer knows is as good as gone.
    }
    props.onSignedOut();
    toast('Signed out.', 'info');
  };

  const allowed = nav.find((n) => n.href === path);
  let page;
  if (path === '/') page = <HomePage me={props.me} />;
  else if (allowed?.admin && !isAdmin) page = <Forbidden />;
  else if (path === '/users') page = <UsersPage me={props.me} />;
  else if (path === '/audit') page = <AuditPage />;
  else if (path === '/imports') page = <ImportsPage />;
  else if (path === '/prospects') page = <ProspectsPage />;
  else if (path === '/campaigns' || path.startsWith('/campaigns/')) page = <CampaignsRoute path={path} me={props.me} />;
  else if (path === '/conversations' || path.startsWith('/conversations/')) page = <ConversationsRoute path={path} me={props.me} />;
  else if (path === '/templates') page = <TemplatesPage me={props.me} />;
  else if (path === '/budget') page = <BudgetPage me={props.me} />;
  else page = <NotFound />;

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Revenue Reactor</span>
        <span class="tenant" data-testid="tenant-name">
          {tenant.name}
        </span>
        <PauseIndicator tenantId={tenant.id} />
        <span class="spacer" />
        <span class="who" data-testid="current-user">
          {user.email} <span class={`role role-${user.role}`}>{user.role}</span>
        </span>
        <button type="button" class="quiet" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav class="sidebar" aria-label="Main">
        {nav
          .filter((n) => !n.admin || isAdmin)
          .map((n) => (
            <Link key={n.href} href={n.href} class="nav-item" aria-current={path === n.href || (n.href !== '/' && path.startsWith(`${n.href}/`)) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
      </nav>
      <main class="content">{page}</main>
    </div>
  );
}

function Forbidden() {
  return (
    <section>
      <h1>Admins only</h1>
      <p class="muted">Ask an admin of your organisation if you need this page.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Nothing here</h1>
      <p class="muted">
        This page does not exist. <Link href="/">Back to the overview</Link>
      </p>
    </section>
  );
}

function Root() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const path = usePath();

  const signedOut = useCallback(() => {
    setAuth({ state: 'out' });
    navigate('/login', { replace: true });
  }, []);

  useEffect(() => {
    onUnauthenticated(signedOut);
    api<Me>('GET', '/api/auth/me').then(
      (me) => {
        setAuth({ state: 'in', me });
        if (location.pathname === '/login') navigate('/', { replace: true });
      },
      (error: unknown) => {
        // 401 already switched to the login page; anything else means the API is not answering.
        if (!(error instanceof ApiError && error.status === 401)) setAuth({ state: 'down', reason: error instanceof Error ? error.message : String(error) });
      },
    );
  }, [signedOut]);

  if (auth.state === 'checking') return <div class="boot" aria-busy="true" />;
  if (auth.state === 'down') {
    return (
      <div class="login">
        <div class="login-card">
          <div class="login-brand">Revenue Reactor</div>
          <h1>The API is not answering</h1>
          <p class="muted">{auth.reason}</p>
          <button type="button" onClick={() => location.reload()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (auth.state === 'out' || path === '/login') return <LoginPage />;
  return <Shell me={auth.me} onSignedOut={signedOut} />;
}

export function App() {
  return (
    <ToastProvider>
      <Root />
    </ToastProvider>
  );
}
