/**
 * Users (admin): invite, change role, remove. Every change shows at once (optimistic) and is rolled
 * back with a toast if the server refuses it; nothing waits behind a spinner.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { roles, type Role } from '../../../core/auth/roles';
import { api, ApiError, type Me, type User } from '../api';
import { ago, exactTime } from '../format';
import { useToast } from '../toasts';

type Row = User & { pending?: boolean };

function message(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}

export function UsersPage(props: { me: Me }) {
  const toast = useToast();
  const [rows, setRows] = useState<Row[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('staff');
  const [confirming, setConfirming] = useState<string | undefined>();
  const confirmTimer = useRef<ReturnType<typeof setTimeout>>();
  const tempId = useRef(0);

  useEffect(() => {
    api<{ users: User[] }>('GET', '/api/users').then(
      (body) => setRows(body.users),
      (e: unknown) => setLoadError(message(e)),
    );
  }, []);

  const invite = async (event: Event) => {
    event.preventDefault();
    const address = email.trim().toLowerCase();
    if (!address) return;
    const placeholder: Row = { id: `pending-${tempId.current++}`, email: address, name: null, role, invitedBy: props.me.user.id, createdAt: new Date().toISOString(), lastLoginAt: null, pending: true };
    setRows((all) => [...(all ?? []), placeholder]);
    setEmail('');
    try {
      const { user } = await api<{ user: User }>('POST', '/api/users', { email: address, role });
      setRows((all) => all?.map((r) => (r.id === placeholder.id ? user : r)));
      toast(`Invited ${user.email}. They will get a sign-in link by email.`);
    } catch (e) {
      setRows((all) => all?.filter((r) => r.id !== placeholder.id));
      setEmail(address);
      toast(message(e), 'error');
    }
  };

  const changeRole = async (user: Row, next: Role) => {
    if (next === user.role) return;
    setRows((all) => all?.map((r) => (r.id === user.id ? { ...r, role: next } : r)));
    try {
      await api('PATCH', `/api/users/${user.id}`, { role: next });
      toast(`${user.email} is now ${next}.`);
    } catch (e) {
      setRows((all) => all?.map((r) => (r.id === user.id ? { ...r, role: user.role } : r)));
      toast(message(e), 'error');
    }
  };

  const remove = async (user: Row) => {
    if (confirming !== user.id) {
      setConfirming(user.id);
      clearTimeout(confirmTimer.current);
      confirmTimer.current = setTimeout(() => setConfirming(undefined), 4000);
      return;
    }
    setConfirming(undefined);
    const index = rows?.findIndex((r) => r.id === user.id) ?? -1;
    setRows((all) => all?.filter((r) => r.id !== user.id));
    try {
      await api('DELETE', `/api/users/${user.id}`);
      toast(`Removed ${user.email}.`);
    } catch (e) {
      setRows((all) => {
        const copy = [...(all ?? [])];
        copy.splice(Math.max(0, index), 0, user);
        return copy;
      });
      toast(message(e), 'error');
    }
  };

  return (
    <section>
      <header class="page-head">
        <h1>Users</h1>
        {rows && <span class="count">{rows.length}</span>}
      </header>

      <form class="inline-form panel" onSubmit={invite} aria-label="Invite a user">
        <input type="email" placeholder="name@company.com" aria-label="Email to invite" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
        <select aria-label="Role for the invite" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <button class="primary" type="submit" disabled={email.trim() === ''}>
          Invite
        </button>
        <span class="muted small">Admins manage users, budgets and numbers · staff run campaigns · viewers only look.</span>
      </form>

      {loadError && <p class="form-error">{loadError}</p>}
      <table class="grid" data-testid="users-table">
        <thead>
          <tr>
            <th>Email</th>
            <th class="w-role">Role</th>
            <th class="w-time">Last sign-in</th>
            <th class="w-time">Added</th>
            <th class="w-actions" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {rows === undefined && !loadError
            ? [0, 1, 2].map((i) => (
                <tr key={i} class="skeleton">
                  <td colSpan={5}>&nbsp;</td>
                </tr>
              ))
            : rows?.map((u) => (
                <tr key={u.id} class={u.pending ? 'pending' : undefined}>
                  <td>
                    {u.email}
                    {u.id === props.me.user.id && <span class="tag">you</span>}
                    {u.pending && <span class="tag">inviting</span>}
                  </td>
                  <td>
                    <select class="compact" aria-label={`Role of ${u.email}`} value={u.role} disabled={u.pending} onChange={(e) => void changeRole(u, e.currentTarget.value as Role)}>
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td title={u.lastLoginAt ? exactTime(u.lastLoginAt) : undefined}>{u.lastLoginAt ? ago(u.lastLoginAt) : <span class="muted">never</span>}</td>
                  <td title={exactTime(u.createdAt)}>{ago(u.createdAt)}</td>
                  <td class="actions">
                    {!u.pending && (
                      <button type="button" class={confirming === u.id ? 'danger' : 'quiet'} onClick={() => void remove(u)}>
                        {confirming === u.id ? 'Confirm remove' : 'Remove'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
        </tbody>
      </table>
    </section>
  );
}
