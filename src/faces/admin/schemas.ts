import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * Schemas of the admin API (`/admin/api`): they validate requests, generate the face's OpenAPI
 * document, and give the console (web/) its types, so server and client cannot drift apart.
 * Ids and amounts travel as strings (exact: 18-digit ids, kopecks), dates as ISO 8601.
 */
export const IdString = Type.String({ pattern: '^[0-9]{1,18}$', description: 'identifier, decimal string' });
export const Money = Type.String({
  pattern: '^-?[0-9]+\\.[0-9]{2}$',
  description: 'exact decimal amount in the currency, "1234.50"',
});
export const Timestamp = Type.String({ format: 'date-time' });
export const Text = Type.Object({ ru: Type.String(), en: Type.String() });
export type Text = Static<typeof Text>;

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), requestId: Type.String() }),
});
export type ErrorBody = Static<typeof ErrorBody>;

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'rows matching the filters' }),
    offset: Type.Integer(),
    limit: Type.Integer(),
  });
}
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/** Paging and sorting of every list: `sort=-balance` sorts by balance descending. */
export const PageQuery = {
  offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  sort: Type.Optional(Type.String({ pattern: '^-?[A-Za-z]{1,40}$' })),
};

// Auth

export const LoginBody = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const Locale = Type.Union([Type.Literal('ru'), Type.Literal('en')]);
export type Locale = Static<typeof Locale>;

export const Me = Type.Object({
  id: IdString,
  login: Type.String(),
  name: Type.String(),
  role: Type.String(),
  roleTitle: Text,
  locale: Locale,
  permissions: Type.Array(Type.String()),
  /** Send back in `X-CSRF-Token` with every POST, PATCH, PUT and DELETE. */
  csrfToken: Type.String(),
  expiresAt: Timestamp,
});
export type Me = Static<typeof Me>;

// Ledger

export const AccountItem = Type.Object({
  id: IdString,
  code: Type.String(),
  ownerType: Type.String(),
  ownerId: Type.String(),
  kind: Type.String(),
  currency: Type.String(),
  balance: Money,
  available: Money,
  lowerBound: Type.Union([Money, Type.Null()]),
  upperBound: Type.Union([Money, Type.Null()]),
  createdAt: Timestamp,
});
export type AccountItem = Static<typeof AccountItem>;

export const AccountQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 200 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    kind: Type.Optional(Type.String({ maxLength: 100 })),
    ownerType: Type.Optional(Type.String({ maxLength: 100 })),
    ownerId: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const AccountFacets = Type.Object({
  currencies: Type.Array(Type.String()),
  kinds: Type.Array(Type.String()),
});
export type AccountFacets = Static<typeof AccountFacets>;

export const HistoryItem = Type.Object({
  entryId: IdString,
  transferId: IdString,
  key: Type.String(),
  kind: Type.String(),
  status: Type.String(),
  amount: Money,
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
});
export type HistoryItem = Static<typeof HistoryItem>;

export const AccountCard = Type.Object({
  account: Type.Composite([AccountItem, Type.Object({ pendingDebits: Money, pendingCredits: Money })]),
  history: Type.Array(HistoryItem),
  /** Pass as `before` for the next, older page; null when there is none. */
  nextBefore: Type.Union([IdString, Type.Null()]),
});
export type AccountCard = Static<typeof AccountCard>;

// Audit

export const AuditItem = Type.Object({
  id: IdString,
  at: Timestamp,
  actorType: Type.String(),
  actorId: Type.String(),
  actorLogin: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  subjectType: Type.String(),
  subjectId: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  requestId: Type.Union([Type.String(), Type.Null()]),
});
export type AuditItem = Static<typeof AuditItem>;

export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    actorType: Type.Optional(Type.String({ maxLength: 50 })),
    actorId: Type.Optional(Type.String({ maxLength: 100 })),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    subjectType: Type.Optional(Type.String({ maxLength: 100 })),
    subjectId: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

// Staff

export const StaffUserItem = Type.Object({
  id: IdString,
  login: Type.String(),
  name: Type.String(),
  role: Type.String(),
  locale: Locale,
  blocked: Type.Boolean(),
  lockedUntil: Type.Union([Timestamp, Type.Null()]),
  failedAttempts: Type.Integer(),
  lastLoginAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
export type StaffUserItem = Static<typeof StaffUserItem>;

export const StaffQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Type.String({ maxLength: 100 })),
    role: Type.Optional(Type.String({ maxLength: 30 })),
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('locked')]),
    ),
  },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  {
    login: Type.String({ minLength: 2, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.String({ minLength: 1, maxLength: 30 }),
    password: Type.String({ minLength: 8, maxLength: 200 }),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })),
    locale: Type.Optional(Locale),
    blocked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const PasswordBody = Type.Object(
  { password: Type.String({ minLength: 8, maxLength: 200 }) },
  { additionalProperties: false },
);
export type PasswordBody = Static<typeof PasswordBody>;

export const RoleInfo = Type.Object({
  code: Type.String(),
  title: Text,
  permissions: Type.Array(Type.String()),
});
export type RoleInfo = Static<typeof RoleInfo>;

// Dashboard

export const Widget = Type.Union([
  Type.Object({
    id: Type.String(),
    title: Text,
    kind: Type.Literal('stats'),
    items: Type.Array(Type.Object({ label: Text, value: Type.String(), unit: Type.String() })),
  }),
  Type.Object({
    id: Type.String(),
    title: Text,
    kind: Type.Union([Type.Literal('bar'), Type.Literal('line'), Type.Literal('pie')]),
    unit: Type.String({ description: '`count`, or the currency code of the amounts' }),
    categories: Type.Array(Type.String()),
    series: Type.Array(Type.Object({ name: Text, values: Type.Array(Type.String()) })),
  }),
]);
export type Widget = Static<typeof Widget>;

export const Dashboard = Type.Object({ widgets: Type.Array(Widget), generatedAt: Timestamp });
export type Dashboard = Static<typeof Dashboard>;
