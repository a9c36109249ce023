/**
 * Who may do what. Three roles, each a superset of the one below it:
 *
 * - `viewer` reads: every page and report, nothing that changes data;
 * - `staff` also operates: imports, campaigns, conversations, templates, DNC and suppressions;
 * - `admin` also administers: users, budgets, the tenant pause, sending numbers, the audit log, ops.
 *
 * The HTTP layer asks `can(role, permissionForMethod(method))` for every request (so a route added
 * later is guarded without anyone remembering to), and routes that administer ask for `administer`.
 */
export const roles = ['admin', 'staff', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const permissions = ['read', 'operate', 'administer'] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  staff: ['read', 'operate'],
  admin: ['read', 'operate', 'administer'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

/** RFC 9110 safe methods only read; anything else may change state. */
export function isSafeMethod(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS';
}

/** The least a request needs by its method alone; routes may ask for more (`administer`). */
export function permissionForMethod(method: string): Permission {
  return isSafeMethod(method) ? 'read' : 'operate';
}

/**
 * Whether a change would leave the tenant with no active admin (nobody could then manage users or
 * budgets, and only an operator with database access could repair it). `activeAdminIds` are the
 * tenant's admins that are not disabled, read under a lock in the same transaction as the change.
 */
export function leavesNoAdmin(input: { activeAdminIds: readonly string[]; targetUserId: string; change: { role: Role } | 'remove' }): boolean {
  if (!input.activeAdminIds.includes(input.targetUserId)) return false;
  if (input.change !== 'remove' && input.change.role === 'admin') return false;
  return input.activeAdminIds.length <= 1;
}
