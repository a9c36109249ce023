import { describe, expect, it } from 'vitest';
import { can, isRole, isSafeMethod, leavesNoAdmin, permissionForMethod, type Permission, type Role } from './roles';

describe('can', () => {
  it.each<[Role, Permission, boolean]>([
    ['viewer', 'read', true],
    ['viewer', 'operate', false],
    ['viewer', 'administer', false],
    ['staff', 'read', true],
    ['staff', 'operate', true],
    ['staff', 'administer', false],
    ['admin', 'read', true],
    ['admin', 'operate', true],
    ['admin', 'administer', true],
  ])('%s may %s: %s', (role, permission, allowed) => {
    expect(can(role, permission)).toBe(allowed);
  });
});

describe('permissionForMethod', () => {
  it.each([
    ['GET', 'read'],
    ['head', 'read'],
    ['OPTIONS', 'read'],
    ['POST', 'operate'],
    ['PUT', 'operate'],
    ['PATCH', 'operate'],
    ['DELETE', 'operate'],
  ])('%s needs %s', (method, permission) => {
    expect(permissionForMethod(method)).toBe(permission);
    expect(isSafeMethod(method)).toBe(permission === 'read');
  });
});

describe('isRole', () => {
  it.each([
    ['admin', true],
    ['staff', true],
    ['viewer', true],
    ['owner', false],
    ['Admin', false],
    [undefined, false],
  ])('%s → %s', (value, expected) => {
    expect(isRole(value)).toBe(expected);
  });
});

describe('leavesNoAdmin', () => {
  it.each<[string, readonly string[], string, { role: Role } | 'remove', boolean]>([
    ['demoting the only admin', ['usr_a'], 'usr_a', { role: 'staff' }, true],
    ['removing the only admin', ['usr_a'], 'usr_a', 'remove', true],
    ['re-saving the only admin as admin', ['usr_a'], 'usr_a', { role: 'admin' }, false],
    ['demoting one of two admins', ['usr_a', 'usr_b'], 'usr_a', { role: 'viewer' }, false],
    ['removing one of two admins', ['usr_a', 'usr_b'], 'usr_b', 'remove', false],
    ['removing a staff member when one admin is left', ['usr_a'], 'usr_s', 'remove', false],
    ['promoting a viewer', ['usr_a'], 'usr_v', { role: 'admin' }, false],
  ])('%s → %s', (_case, activeAdminIds, targetUserId, change, expected) => {
    expect(leavesNoAdmin({ activeAdminIds, targetUserId, change })).toBe(expected);
  });
});
