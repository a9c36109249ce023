/** The landing page after sign-in: who you are, where you are, and where to go. */
import type { Me } from '../api';
import { Link } from '../router';

export function HomePage(props: { me: Me }) {
  const { user, tenant } = props.me;
  const admin = user.role === 'admin';
  return (
    <section>
      <header class="page-head">
        <h1>Overview</h1>
      </header>
      <div class="panel">
        <p>
          Signed in to <strong>{tenant.name}</strong> as <strong>{user.email}</strong> ({user.role}).
        </p>
        <p class="muted">
          {user.role === 'viewer'
            ? 'Viewers can see everything and change nothing.'
            : admin
              ? 'Admins run campaigns and also manage users, budgets, the pause switch and sending numbers.'
              : 'Staff run imports, campaigns and conversations.'}
        </p>
        {admin && (
          <p>
            <Link href="/users">Manage users</Link> · <Link href="/audit">See who changed what</Link>
          </p>
        )}
      </div>
    </section>
  );
}
