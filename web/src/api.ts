import type {
  AccountCard,
  AccountFacets,
  AccountItem,
  AuditItem,
  CreateUserBody,
  Dashboard,
  ErrorBody,
  LoginBody,
  Me,
  Page,
  RoleInfo,
  StaffUserItem,
  UpdateUserBody,
} from '../../src/faces/admin/schemas.ts';

export type {
  AccountCard,
  AccountFacets,
  AccountItem,
  AuditItem,
  Dashboard,
  Me,
  Page,
  RoleInfo,
  StaffUserItem,
};

/** A refusal of the admin API: its code, Russian message and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const BASE = '/admin/api';
let csrfToken = '';
let onUnauthorized: () => void = () => undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (data as ErrorBody | undefined)?.error;
    if (res.status === 401 && !path.startsWith('/auth/login')) onUnauthorized();
    throw new ApiError(res.status, error?.code ?? 'http', error?.message ?? `HTTP ${res.status}`);
  }
  return data as T;
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** The typed admin API; types come from the server's own schemas (src/faces/admin/schemas.ts). */
export const api = {
  login: (body: LoginBody) => request<Me>('POST', '/auth/login', body),
  logout: () => request<void>('POST', '/auth/logout'),
  me: () => request<Me>('GET', '/auth/me'),
  dashboard: (days = 30) => request<Dashboard>('GET', `/dashboard${query({ days: String(days) })}`),
  list: <T>(path: string, params: URLSearchParams) => request<Page<T>>('GET', `${path}?${params.toString()}`),
  csvUrl: (path: string, params: URLSearchParams) => `${BASE}${path}.csv?${params.toString()}`,
  accountFacets: () => request<AccountFacets>('GET', '/ledger/facets'),
  account: (id: string, before?: string) =>
    request<AccountCard>(
      'GET',
      `/ledger/accounts/${encodeURIComponent(id)}${query({ before, limit: '50' })}`,
    ),
  staffRoles: () => request<{ roles: RoleInfo[]; permissions: string[] }>('GET', '/staff/roles'),
  staffUser: (id: string) => request<StaffUserItem>('GET', `/staff/users/${encodeURIComponent(id)}`),
  createStaffUser: (body: CreateUserBody) => request<StaffUserItem>('POST', '/staff/users', body),
  updateStaffUser: (id: string, body: UpdateUserBody) =>
    request<StaffUserItem>('PATCH', `/staff/users/${encodeURIComponent(id)}`, body),
  setStaffPassword: (id: string, password: string) =>
    request<void>('POST', `/staff/users/${encodeURIComponent(id)}/password`, { password }),
};
