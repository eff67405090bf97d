import { type Static, Type } from '@sinclair/typebox';
import { IdString, Money, PageQuery, Timestamp } from './schemas.ts';

/**
 * Schemas of the console's broker configuration (partners, tokens, points, operators, routes) and
 * wallet payments. Bodies are loosely typed on purpose: the broker's service checks every field
 * and answers a Russian message naming it (src/broker/partner-admin.ts).
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Short = Type.String({ maxLength: 300 });
const FormKey = Type.String({
  minLength: 8,
  maxLength: 64,
  description: 'chosen once per filled-in form: a repeat of the same form changes nothing twice',
});

// Broker: partners and points

export const PartnerCreateBody = Type.Object(
  {
    guid: Short,
    name: Short,
    offerDeadlineMs: Type.Optional(Type.Integer()),
    registryUrl: Type.Optional(Nullable(Type.String({ maxLength: 600 }))),
    key: FormKey,
  },
  { additionalProperties: false },
);
export type PartnerCreateBody = Static<typeof PartnerCreateBody>;

export const PartnerPatchBody = Type.Object(
  {
    guid: Type.Optional(Short),
    name: Type.Optional(Short),
    active: Type.Optional(Type.Boolean()),
    offerDeadlineMs: Type.Optional(Type.Integer()),
    registryUrl: Type.Optional(Nullable(Type.String({ maxLength: 600 }))),
  },
  { additionalProperties: false },
);
export type PartnerPatchBody = Static<typeof PartnerPatchBody>;

export const TokenBody = Type.Object({ key: FormKey }, { additionalProperties: false });
export type TokenBody = Static<typeof TokenBody>;

const PointUser = Type.Object({ code: Short, name: Short }, { additionalProperties: false });

export const PointCreateBody = Type.Object(
  {
    code: Short,
    name: Short,
    kind: Short,
    active: Type.Optional(Type.Boolean()),
    users: Type.Optional(Type.Array(PointUser, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type PointCreateBody = Static<typeof PointCreateBody>;

export const PointPatchBody = Type.Object(
  {
    code: Type.Optional(Short),
    name: Type.Optional(Short),
    kind: Type.Optional(Short),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PointPatchBody = Static<typeof PointPatchBody>;

export const PointUserBody = Type.Object(
  { code: Short, name: Type.Optional(Short), remove: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type PointUserBody = Static<typeof PointUserBody>;

export const RouteBody = Type.Object(
  { lender: Short, kind: Short, enabled: Type.Boolean() },
  { additionalProperties: false },
);
export type RouteBody = Static<typeof RouteBody>;

export const PartnerCard = Type.Object({
  partner: Type.Object({
    id: IdString,
    guid: Type.String(),
    name: Type.String(),
    active: Type.Boolean(),
    offerDeadlineMs: Type.Integer(),
    registryUrl: Nullable(Type.String()),
    createdAt: Timestamp,
  }),
  points: Type.Array(
    Type.Object({
      id: IdString,
      code: Type.String(),
      name: Type.String(),
      kind: Type.String({ description: 'pos_offline, pos_online or bnpl' }),
      active: Type.Boolean(),
      users: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
    }),
  ),
  routes: Type.Array(
    Type.Object({
      lender: Type.String(),
      lenderName: Type.String(),
      lenderActive: Type.Boolean(),
      pos: Nullable(Type.Boolean({ description: 'null: no route' })),
      bnpl: Nullable(Type.Boolean()),
    }),
  ),
});
export type PartnerCard = Static<typeof PartnerCard>;

export const PartnerCreated = Type.Object({
  card: PartnerCard,
  token: Nullable(
    Type.String({
      description: 'the partner token, answered once; null on a repeat of the same form (stored hashed only)',
    }),
  ),
  created: Type.Boolean(),
});
export type PartnerCreated = Static<typeof PartnerCreated>;

export const TokenRotated = Type.Object({
  token: Nullable(Type.String({ description: 'answered once; null on a repeat of the same key' })),
});
export type TokenRotated = Static<typeof TokenRotated>;

// Wallet: payments and the wallet card

export const WalletPaymentItem = Type.Object({
  id: IdString,
  walletId: IdString,
  phone: Type.String({ description: 'masked' }),
  service: Type.String(),
  serviceName: Type.String(),
  amount: Money,
  fee: Nullable(Money),
  state: Type.String({ description: 'checking, input, ready, paying, finished, canceled' }),
  result: Nullable(Type.Integer()),
  message: Nullable(Type.String()),
  createdAt: Timestamp,
  processedAt: Nullable(Timestamp),
});
export type WalletPaymentItem = Static<typeof WalletPaymentItem>;

export const WalletPaymentQuery = Type.Object(
  {
    ...PageQuery,
    wallet: Type.Optional(IdString),
    state: Type.Optional(
      Type.Union(
        ['checking', 'input', 'ready', 'paying', 'finished', 'canceled'].map((s) => Type.Literal(s)),
      ),
    ),
    service: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(DateText),
    to: Type.Optional(DateText),
  },
  { additionalProperties: false },
);

export const WalletCard = Type.Object({
  id: IdString,
  phone: Type.String({ description: 'masked' }),
  status: Type.String(),
  createdAt: Timestamp,
  activatedAt: Nullable(Timestamp),
  balance: Money,
  holds: Money,
  available: Money,
  kyc: Type.Object({
    state: Nullable(Type.String({ description: 'data_entered, rejected, data_verified; null: no data' })),
    name: Nullable(Type.String()),
    decidedAt: Nullable(Timestamp),
    rejectReason: Nullable(Type.String()),
  }),
  payments: Type.Object({
    total: Type.Integer({ description: 'payments of the wallet (up to the count cap)' }),
    latest: Type.Array(WalletPaymentItem, { description: 'the newest 10; the list has them all' }),
  }),
});
export type WalletCard = Static<typeof WalletCard>;
