import type { FaceApp } from '../../src/platform/http/face.ts';

export interface Signed {
  cookie: string;
  csrf: string;
  headers: Record<string, string>;
}

/** Signs a staff user in through the API; the cookie and CSRF token for the next requests. */
export async function signIn(app: FaceApp, login: string, password = `${login}-password`): Promise<Signed> {
  const res = await app.inject({
    method: 'POST',
    url: '/admin/api/auth/login',
    payload: { login, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${login}: ${res.statusCode} ${res.body}`);
  const setCookie = res.headers['set-cookie'];
  const raw = Array.isArray(setCookie) ? setCookie[0]! : String(setCookie);
  const cookie = raw.split(';')[0]!;
  const csrf = res.json().csrfToken as string;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}
