/**
 * One entry per face the resilience tests know: how to authenticate (a valid credential, a wrong
 * one), what the protocol's own error form looks like, and what hostile-input runs leave out. A
 * new face plugs into the fuzzer and the access tests by adding one entry here (and its load
 * driver to bench/crash/drivers.ts).
 */
import type { FaceApp } from '../../src/platform/http/face.ts';
import type { Route } from './openapi.ts';

export type Headers = Record<string, string>;

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export interface Credentials {
  /** Headers of a valid credential for the route, or undefined when the route is public. */
  valid(route: Route): Headers | undefined;
  /** Headers of a credential that must be refused (unknown or wrong secret). */
  wrong(route: Route): Headers;
}

export interface FaceProfile {
  /** `Face.name`. */
  face: string;
  /** Logs in where a face needs a session; called once per app. */
  credentials(app: FaceApp): Promise<Credentials>;
  /** Which routes need a credential, when the OpenAPI document does not mark them (`security`). */
  secured?(route: Route): boolean;
  /** What is wrong with an answer's form in this protocol, or undefined when it is the protocol's own. */
  form(answer: Answer): string | undefined;
  /**
   * Routes the hostile-input run sends no valid credential to, with why (documented in
   * docs/resilience.md): calls whose every form is valid (no body or parameters to break).
   */
  skip?: { method: string; path: RegExp; why: string }[];
}

export const basic = (login: string, password: string) =>
  `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;

function json(answer: Answer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The platform's (and the operator API's) form: `{error: {code, message, requestId}}`. */
function platformForm(answer: Answer): string | undefined {
  if (answer.status < 400) return undefined;
  const body = json(answer);
  if (!isObject(body) || !isObject(body.error) || typeof body.error.message !== 'string')
    return 'not {error: {code, message}}';
  return undefined;
}

const MYMFO_ERROR_FIELDS = ['СообщениеОбОшибке', 'Error', 'description', 'КодОтвета'];

export const PROFILES: FaceProfile[] = [
  {
    face: 'processing',
    async credentials() {
      return {
        valid: () => ({ authorization: 'Bearer demo-agent-token' }),
        wrong: () => ({ authorization: 'Bearer wrong-agent-token' }),
      };
    },
    // Protocol v20: every answer is JSON with a numeric `result` and, on error, `resultMessage`.
    form(answer) {
      const body = json(answer);
      if (!isObject(body) || typeof body.result !== 'number') return 'not {result: number}';
      if (body.result !== 0 && typeof body.resultMessage !== 'string') return 'error without resultMessage';
      return undefined;
    },
  },
  {
    face: 'admin',
    async credentials(app) {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ login: 'admin', password: 'admin-password' }),
      });
      if (res.statusCode !== 200) throw new Error(`admin login: ${res.statusCode} ${res.body}`);
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      const csrf = (res.json() as { csrfToken: string }).csrfToken;
      return {
        valid: (route) => (route.path.endsWith('/auth/login') ? undefined : { cookie, 'x-csrf-token': csrf }),
        wrong: () => ({ cookie: 'kopek_console=wrong-session', 'x-csrf-token': 'wrong' }),
      };
    },
    // Every operator route needs the session cookie except login itself.
    secured: (route) => !route.path.endsWith('/auth/login'),
    form: platformForm,
    skip: [{ method: 'POST', path: /\/auth\/logout$/, why: 'a valid call ends the session the run uses' }],
  },
  {
    face: 'denimhub',
    async credentials() {
      return {
        valid: () => ({ authorization: 'Bearer demo-partner-token' }),
        wrong: () => ({ authorization: 'Bearer wrong-partner-token' }),
      };
    },
    // docs/broker.md: `{status, error_code, error_message, data}`; get_file answers the file itself.
    form(answer) {
      if (answer.status < 400 && !String(answer.headers['content-type']).includes('json')) return undefined;
      const body = json(answer);
      if (!isObject(body) || typeof body.status !== 'string') return 'not {status, error_code, ...}';
      if (body.status === 'error' && typeof body.error_code !== 'number') return 'error without error_code';
      return undefined;
    },
  },
  {
    face: 'mymfo',
    async credentials() {
      return {
        valid: (route) => {
          if (!route.secured) return undefined;
          if (route.path.includes('/Payment/Site/'))
            return { authorization: basic('site-pay', 'site-pay-password') };
          if (route.path.includes('/Payment/')) return { authorization: basic('qiwi', 'qiwi-password') };
          return { authorization: basic('site', 'site-password') };
        },
        wrong: () => ({ authorization: basic('site', 'wrong-password') }),
      };
    },
    // 1C HTTP services: JSON with КодОтвета (site services), OSMP XML <response> (payments),
    // a bare 401/403 for a refused Basic credential (as the 1C publication answers), a PDF.
    form(answer) {
      const type = String(answer.headers['content-type'] ?? '');
      if ((answer.status === 401 || answer.status === 403) && answer.body === '') return undefined;
      if (type.includes('pdf') && answer.status === 200) return undefined;
      if (type.includes('xml'))
        return /<response>[\s\S]*(<result>\d+<\/result>|<errormessage>)/.test(answer.body)
          ? undefined
          : 'xml without <result> or <errormessage>';
      const body = json(answer);
      if (!isObject(body) && !Array.isArray(body)) return 'not JSON';
      // docs/mymfo.md "Error forms": each route names its error field.
      if (answer.status >= 400 && isObject(body) && !MYMFO_ERROR_FIELDS.some((f) => f in body))
        return `error without any of ${MYMFO_ERROR_FIELDS.join(', ')}`;
      return undefined;
    },
  },
  {
    face: 'wallet',
    async credentials() {
      return {
        valid: (route) => (route.secured ? { authorization: basic('+79261111111', 'p@ssw0rD') } : undefined),
        // An unknown phone: a wrong password of the demo wallet would lock it (tested in access).
        wrong: () => ({ authorization: basic('+79000000000', 'wrong-password') }),
      };
    },
    // mserver 2: `{meta: {code, status, error, message}}` on every error.
    form(answer) {
      if (answer.status < 400) return undefined;
      const body = json(answer);
      if (!isObject(body) || !isObject(body.meta) || typeof body.meta.code !== 'number')
        return 'not {meta: {code}}';
      return undefined;
    },
    skip: [
      {
        method: 'POST',
        path: /\/wallet\/logout$/,
        why: 'a valid call ends the session (no body to make it invalid)',
      },
      {
        method: 'POST',
        path: /\/wallet\/resend_code$/,
        why: 'a valid call sends a code (no body to make it invalid)',
      },
      {
        method: 'DELETE',
        path: /^\/v1\/wallet$/,
        why: 'DELETE closes the demo wallet (no body to make it invalid)',
      },
    ],
  },
  {
    face: 'moneywall',
    async credentials() {
      return {
        valid: () => ({ authorization: 'demo-merchant-token' }),
        wrong: () => ({ authorization: 'wrong-merchant-token' }),
      };
    },
    // Moneywall: `{error, message}` on every error.
    form(answer) {
      if (answer.status < 400) return undefined;
      const body = json(answer);
      if (!isObject(body) || typeof body.error !== 'string') return 'not {error, message}';
      return undefined;
    },
  },
];
