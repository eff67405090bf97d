/**
 * Hostile requests for a face, generated with fast-check from the routes of its OpenAPI document:
 * wrong types, missing and extra fields, huge and deeply nested bodies, bad UTF-8, XML for JSON
 * and back, SQL-ish strings, path traversal, huge numbers, wrong content types and methods.
 * With a valid credential every request also carries one mutation that makes it invalid, so a
 * run must leave the database as it was.
 */
import fc from 'fast-check';
import { methodsOfPath, plausible, type Route, type Schema, schemaType } from './openapi.ts';
import type { Credentials, FaceProfile, Headers } from './profiles.ts';

export const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface HostileRequest {
  route: Route;
  kind: string;
  auth: 'valid' | 'wrong' | 'none';
  method: string;
  url: string;
  headers: Headers;
  payload?: string | Buffer;
}

const SQLISH = [
  "' OR '1'='1",
  '1; DROP TABLE ledger.accounts; --',
  "'); DELETE FROM processing.payments; --",
  '" UNION SELECT password_hash FROM staff.users --',
  "1' AND pg_sleep(5)--",
  '$$; SELECT 1; $$',
];
const TRAVERSAL = [
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..\\..\\windows\\win.ini',
  '/etc/shadow',
  '....//....//etc/passwd',
  'file.pdf%00.txt',
  '%2e%2e%2f%2e%2e%2fpackage.json',
];
const HUGE_NUMBERS = [
  '99999999999999999999999999999999',
  '-1',
  '1e308',
  '-9223372036854775809',
  '18446744073709551616',
  '0.0000000001',
  'NaN',
  'Infinity',
];

/** Strings nobody should trust: SQL, traversal, control characters, odd Unicode, long ones. */
const hostileString = fc.oneof(
  fc.constantFrom(...SQLISH),
  fc.constantFrom(...TRAVERSAL),
  fc.constantFrom(...HUGE_NUMBERS),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection probe, sent as is
  fc.constantFrom('\u0000', '\u202e\u0041', '\ud800', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'я'.repeat(n)),
);

/** Values of every JSON type, to put where another type is expected. */
const anyJson = fc.oneof(
  hostileString,
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    2 ** 64,
    [],
    {},
    [1, 2],
    { $gt: '' },
    { __proto__: { polluted: 1 } },
    { constructor: { prototype: { polluted: 1 } } },
  ),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

function wrongTypeValue(schema: Schema | undefined): unknown {
  switch (schemaType(schema)) {
    case 'string':
      return { not: 'a string' };
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'maybe';
    case 'array':
      return 'not an array';
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return undefined;
  }
}

function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const XML =
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><request><a>&e;</a></request>';
const BAD_UTF8 = Buffer.concat([
  Buffer.from('{"a":"'),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80]),
  Buffer.from('"'),
]);

/**
 * Body mutations. `invalid` says the mutation makes any request invalid by itself (so it may
 * carry a valid credential): broken syntax, a missing required field, a wrong type.
 */
type BodyMutation =
  | 'missing'
  | 'wrong_type'
  | 'extra'
  | 'hostile_field'
  | 'malformed'
  | 'truncated'
  | 'deep'
  | 'bad_utf8'
  | 'xml'
  | 'form'
  | 'text'
  | 'empty'
  | 'huge';

interface Plan {
  routeIndex: number;
  auth: 'valid' | 'wrong' | 'none';
  mutation: BodyMutation | 'path' | 'query' | 'method' | 'no_content_type';
  pick: number;
  value: unknown;
  text: string;
  deepDepth: number;
}

const MUTATIONS: Plan['mutation'][] = [
  'missing',
  'wrong_type',
  'extra',
  'hostile_field',
  'malformed',
  'truncated',
  'deep',
  'bad_utf8',
  'xml',
  'form',
  'text',
  'empty',
  'path',
  'query',
  'method',
  'no_content_type',
];

/** Percent-encodes; a lone surrogate becomes its (invalid) UTF-8 bytes, on purpose. */
function enc(text: string): string {
  return text
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

function fill(route: Route, values: Record<string, string>): string {
  let url = route.path.replace(/\{(\w+)\}/g, (_, name: string) => enc(values[name] ?? '1'));
  const query = route.params.filter((p) => p.in === 'query' && values[p.name] !== undefined);
  if (query.length) url += `?${query.map((p) => `${enc(p.name)}=${enc(values[p.name]!)}`).join('&')}`;
  return url;
}

function plausibleParams(route: Route): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of route.params)
    if ((p.in === 'path' || p.in === 'query') && (p.required || p.in === 'path'))
      out[p.name] = String(plausible(p.schema));
  return out;
}

/** Builds one request from a plan; undefined when the plan does not fit the route (e.g. no body). */
function build(
  route: Route,
  plan: Plan,
  creds: Credentials,
  allRoutes: Route[],
  profileSecured?: (route: Route) => boolean,
): HostileRequest | undefined {
  const valid = creds.valid(route);
  if (plan.auth === 'valid' && !valid) return undefined;
  const headers: Headers =
    plan.auth === 'valid' ? { ...valid } : plan.auth === 'wrong' ? { ...creds.wrong(route) } : {};
  const params = plausibleParams(route);
  const takesBody = route.bodyTypes.length > 0;
  const bodyType = route.bodyTypes[0] ?? 'application/json';
  const base = takesBody ? plausible(route.bodySchema) : undefined;
  const object =
    base && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : undefined;
  const props = Object.keys(route.bodySchema?.properties ?? {});
  const required = route.bodySchema?.required ?? [];
  let method = route.method;
  let url = fill(route, params);
  let payload: string | Buffer | undefined = takesBody ? JSON.stringify(base) : undefined;
  let contentType: string | undefined = takesBody ? bodyType : undefined;
  // A public route needs no credential: any request to it must be invalid by itself.
  const secured = profileSecured ? profileSecured(route) : route.secured;
  const mustBeInvalid = plan.auth === 'valid' || !secured;

  switch (plan.mutation) {
    case 'missing': {
      if (!object || required.length === 0) return undefined;
      delete object[required[plan.pick % required.length]!];
      payload = JSON.stringify(object);
      break;
    }
    case 'wrong_type': {
      if (!object || props.length === 0) return undefined;
      const name = props[plan.pick % props.length]!;
      const wrong = wrongTypeValue(route.bodySchema?.properties?.[name]);
      if (wrong === undefined) return undefined;
      object[name] = wrong;
      // A hostile value in another field too: it must not matter which check fails first.
      if (props.length > 1) object[props[(plan.pick + 1) % props.length]!] = plan.value;
      payload = JSON.stringify(object);
      break;
    }
    case 'extra':
    case 'hostile_field': {
      if (mustBeInvalid || !takesBody) return undefined;
      const target = object ?? {};
      const name =
        plan.mutation === 'extra' || props.length === 0 ? `x_${plan.pick}` : props[plan.pick % props.length]!;
      target[name] = plan.value;
      payload = JSON.stringify(target);
      break;
    }
    case 'malformed':
      payload = `${JSON.stringify(base ?? {}).slice(0, -1)},,${plan.text}`;
      contentType = 'application/json';
      break;
    case 'truncated':
      payload = (JSON.stringify(base ?? { a: plan.text }) ?? '{').slice(0, -1);
      contentType = 'application/json';
      break;
    case 'deep':
      // Unbalanced when a credential is valid: deep and also broken.
      payload = deepJson(plan.deepDepth, plan.pick % 2 ? 'array' : 'object');
      if (mustBeInvalid) payload = payload.slice(0, -1);
      contentType = 'application/json';
      break;
    case 'bad_utf8':
      payload = mustBeInvalid ? BAD_UTF8 : Buffer.concat([BAD_UTF8, Buffer.from('}')]);
      contentType = 'application/json';
      break;
    case 'xml':
      payload = XML;
      contentType = plan.pick % 2 ? 'application/xml' : 'application/json';
      break;
    case 'form':
      payload = `a=${enc(plan.text)}&b=%FF%FE`;
      contentType = 'application/x-www-form-urlencoded';
      break;
    case 'text':
      payload = plan.text;
      contentType = plan.pick % 2 ? 'text/plain' : 'application/octet-stream';
      break;
    case 'empty':
      if (!takesBody) return undefined;
      payload = '';
      contentType = 'application/json';
      break;
    case 'no_content_type':
      if (!takesBody) return undefined;
      contentType = undefined;
      break;
    case 'huge':
      payload = Buffer.alloc(BODY_LIMIT_BYTES + 1024, 0x20);
      contentType = 'application/json';
      break;
    case 'path': {
      const pathParams = route.params.filter((p) => p.in === 'path');
      if (pathParams.length === 0) return undefined;
      const p = pathParams[plan.pick % pathParams.length]!;
      // With a valid credential the value must be one no real resource has.
      params[p.name] = mustBeInvalid ? `${String(plan.value)}/../${'9'.repeat(40)}` : String(plan.value);
      url = fill(route, params);
      break;
    }
    case 'query': {
      const query = route.params.filter((p) => p.in === 'query');
      if (query.length === 0) return undefined;
      const p = query[plan.pick % query.length]!;
      if (mustBeInvalid) {
        const type = schemaType(p.schema);
        if (type !== 'integer' && type !== 'number' && !p.schema.enum && !p.schema.pattern) return undefined;
        params[p.name] = `${String(plan.value)}\u0000x`;
      } else params[p.name] = String(plan.value);
      url = fill(route, params);
      // Repeated and unknown parameters too.
      url += `${url.includes('?') ? '&' : '?'}${enc(p.name)}=1&__proto__[x]=1`;
      break;
    }
    case 'method': {
      const served = methodsOfPath(allRoutes, route.path);
      const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !served.has(m));
      if (others.length === 0) return undefined;
      method = others[plan.pick % others.length]!;
      break;
    }
  }
  if (mustBeInvalid && plan.mutation === 'no_content_type' && route.method === 'GET') return undefined;
  if (contentType) headers['content-type'] = contentType;
  if (method === 'GET' || method === 'DELETE') {
    // Bodies on GET are not what this run is about; keep the URL hostile instead.
    if (
      plan.mutation !== 'method' &&
      !takesBody &&
      ['malformed', 'truncated', 'deep', 'bad_utf8', 'xml', 'form', 'text'].includes(plan.mutation)
    )
      return undefined;
  }
  return {
    route,
    kind: plan.mutation,
    auth: plan.auth,
    method,
    url,
    headers,
    ...(payload !== undefined && method !== 'GET' ? { payload } : {}),
  };
}

/** `count` hostile requests for a face's routes, reproducible from `seed`. */
export function hostileRequests(
  profile: FaceProfile,
  routes: Route[],
  creds: Credentials,
  count: number,
  seed: number,
): HostileRequest[] {
  const plan = fc.record<Plan>({
    routeIndex: fc.nat({ max: routes.length - 1 }),
    auth: fc.constantFrom('valid', 'valid', 'wrong', 'none'),
    mutation: fc.constantFrom(...MUTATIONS),
    pick: fc.nat({ max: 1000 }),
    value: anyJson,
    text: hostileString,
    deepDepth: fc.integer({ min: 1_000, max: 100_000 }),
  });
  const out: HostileRequest[] = [];
  const skip = profile.skip ?? [];
  // Plans that do not fit their route are drawn again; a bounded number of draws.
  for (let round = 0; out.length < count && round < 50; round++) {
    for (const p of fc.sample(plan, { seed: seed + round, numRuns: count * 2 })) {
      const route = routes[p.routeIndex]!;
      if (p.auth === 'valid' && skip.some((s) => s.method === route.method && s.path.test(route.path)))
        continue;
      const req = build(route, p, creds, routes, profile.secured);
      if (req) out.push(req);
      if (out.length >= count) break;
    }
  }
  // Over the body limit once per face: one is enough to prove the limit, each costs 10 MB.
  const withBody = routes.find((r) => r.bodyTypes.length > 0);
  if (withBody) {
    const huge = build(
      withBody,
      {
        routeIndex: 0,
        auth: creds.valid(withBody) ? 'valid' : 'none',
        mutation: 'huge',
        pick: 0,
        value: 0,
        text: '',
        deepDepth: 0,
      },
      creds,
      routes,
      profile.secured,
    );
    if (huge) out[out.length - 1] = huge;
  }
  return out;
}
