/** The routes of a face as its OpenAPI document describes them: what the fuzzer and access tests walk. */

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  examples?: unknown[];
  example?: unknown;
  default?: unknown;
};

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface Route {
  method: string;
  /** Path template with `{name}` placeholders, prefix included. */
  path: string;
  params: Param[];
  /** Media types the body may have; empty when the route takes no body. */
  bodyTypes: string[];
  bodySchema?: Schema;
  secured: boolean;
}

interface OpenApiDoc {
  paths?: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: Param['in']; required?: boolean; schema?: Schema }[];
        requestBody?: { content?: Record<string, { schema?: Schema }> };
        security?: unknown[];
      }
    >
  >;
}

export function routesOf(doc: OpenApiDoc): Route[] {
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const bodyTypes = Object.keys(content);
      routes.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required === true || p.in === 'path',
          schema: p.schema ?? {},
        })),
        bodyTypes,
        bodySchema: bodyTypes[0] ? content[bodyTypes[0]]?.schema : undefined,
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return routes;
}

/** Every method the path is served with (a "wrong method" must be none of them). */
export function methodsOfPath(routes: Route[], path: string): Set<string> {
  return new Set(routes.filter((r) => r.path === path).map((r) => r.method));
}

function typeOf(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  if (schema.type) return schema.type;
  if (schema.properties) return 'object';
  return undefined;
}

export function schemaType(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt && !schema.type) {
    const types = new Set(alt.map(typeOf).filter(Boolean));
    return types.size === 1 ? [...types][0] : undefined;
  }
  return typeOf(schema);
}

/** A plausible value for a schema: examples first, then the simplest value its type allows. */
export function plausible(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if (schema.examples?.length) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt?.length) return plausible(alt.find((s) => s.type !== 'null') ?? alt[0], depth + 1);
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = plausible(v, depth + 1);
      return out;
    }
    case 'array':
      return [plausible(schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'date') return '2026-01-01';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
}
