import { type Static, Type } from '@sinclair/typebox';
import { IdString, Money, PageQuery, Timestamp } from './schemas.ts';

/**
 * Schemas of the module screens' admin API (lending, processing, broker, messages), kept apart
 * from schemas.ts (the console's foundation) but used the same way: validation, OpenAPI, and the
 * console's types.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Reason = Type.String({ minLength: 1, maxLength: 500 });

// Lending

export const DealQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'deal number or its start (ТСК0001…), client name part, phone (11 digits), passport (series and number): matched by its keyed hash, never decrypted',
      }),
    ),
    status: Type.Optional(Type.String({ maxLength: 100 })),
    clientId: Type.Optional(IdString),
  },
  { additionalProperties: false },
);

export const DealItem = Type.Object({
  id: IdString,
  number: Type.String(),
  status: Type.String(),
  amount: Money,
  termDays: Type.Integer(),
  clientId: IdString,
  clientName: Type.String(),
  phone: Type.String({ description: 'masked: last four digits' }),
  product: Type.String(),
  source: Type.String(),
  createdAt: Timestamp,
  issueDate: Nullable(DateText),
});
export type DealItem = Static<typeof DealItem>;

export const ScheduleLineItem = Type.Object({
  n: Type.Integer(),
  dueDate: DateText,
  principal: Money,
  interest: Money,
  total: Money,
  principalAfter: Money,
});

export const DealCard = Type.Object({
  deal: Type.Object({
    id: IdString,
    number: Type.String(),
    status: Type.String(),
    amount: Money,
    termDays: Type.Integer(),
    product: Type.Object({ code: Type.String(), name: Type.String() }),
    source: Type.String(),
    pskPercent: Nullable(Type.String()),
    pskAmount: Nullable(Money),
    scoringDecision: Nullable(Type.String()),
    scoringReasons: Type.Array(Type.Object({ code: Type.String(), text: Type.String() })),
    decisionReason: Nullable(Type.String()),
    contractDate: Nullable(DateText),
    issueDate: Nullable(DateText),
    createdAt: Timestamp,
  }),
  client: Type.Object({
    id: IdString,
    name: Type.String(),
    birthDate: DateText,
    phone: Type.String(),
    passportMasked: Type.String(),
    blacklisted: Type.Boolean(),
  }),
  debt: Nullable(
    Type.Object({
      asOf: DateText,
      totalDebt: Money,
      principalLeft: Money,
      interest: Money,
      currentDue: Money,
      overdueDue: Money,
      daysPastDue: Type.Integer(),
      penalties: Money,
      duty: Money,
      other: Money,
      accountBalance: Money,
    }),
  ),
  schedule: Type.Array(ScheduleLineItem),
  scheduleVersions: Type.Integer({
    description: 'schedule versions kept (a revision after early repayment adds one)',
  }),
  payments: Type.Array(
    Type.Object({
      number: Type.String(),
      service: Type.String(),
      txnId: Type.String(),
      date: DateText,
      amount: Money,
      reversed: Type.Boolean(),
      createdAt: Timestamp,
    }),
  ),
  history: Type.Array(
    Type.Object({
      at: Timestamp,
      from: Nullable(Type.String()),
      to: Type.String(),
      actor: Type.String(),
      reason: Nullable(Type.String()),
    }),
  ),
  files: Type.Array(
    Type.Object({ id: IdString, kind: Type.String(), filename: Type.String(), size: Type.Integer() }),
  ),
  /** The client's cards attached through the site protocol: masked number only, never the token. */
  cards: Type.Array(Type.Object({ id: IdString, masked: Type.String(), holder: Type.String() })),
  /** Payouts of the deal (issue and refunds of money left on account) with their state. */
  payouts: Type.Array(
    Type.Object({
      id: IdString,
      purpose: Type.String(),
      method: Type.String(),
      status: Type.String({ description: 'pending, exported (bank registry sent), done, failed' }),
      amount: Money,
      card: Nullable(Type.String({ description: 'masked card of a card payout' })),
      ref: Nullable(Type.String()),
      error: Nullable(Type.String()),
    }),
  ),
  /** What the staff user may do with the deal now (status and permissions). */
  actions: Type.Array(Type.String()),
});
export type DealCard = Static<typeof DealCard>;

export const DecideBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('approve'), Type.Literal('decline'), Type.Literal('review')]),
    reason: Reason,
  },
  { additionalProperties: false },
);
export type DecideBody = Static<typeof DecideBody>;

export const IssueBody = Type.Object(
  {
    method: Type.Union([Type.Literal('external'), Type.Literal('bank'), Type.Literal('card')]),
    card: Type.Optional(IdString),
    ref: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'external: cash desk or document reference' }),
    ),
    bik: Type.Optional(Type.String({ pattern: '^[0-9]{9}$' })),
    account: Type.Optional(Type.String({ pattern: '^[0-9]{20}$' })),
  },
  { additionalProperties: false },
);
export type IssueBody = Static<typeof IssueBody>;

export const RefundBody = Type.Object({ card: IdString, reason: Reason }, { additionalProperties: false });
export type RefundBody = Static<typeof RefundBody>;

export const RepayBody = Type.Object(
  {
    amount: Money,
    service: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_./-]+$' }),
    txnId: Type.String({ minLength: 1, maxLength: 64 }),
    date: Type.Optional(DateText),
    early: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RepayBody = Static<typeof RepayBody>;

export const ReverseBody = Type.Object({ reason: Reason }, { additionalProperties: false });
export type ReverseBody = Static<typeof ReverseBody>;

export const ClientCard = Type.Object({
  id: IdString,
  name: Type.String(),
  birthDate: DateText,
  phone: Type.String(),
  email: Nullable(Type.String()),
  passportMasked: Type.String(),
  blacklisted: Type.Boolean(),
  bannedUntil: Nullable(DateText),
  deals: Type.Array(DealItem),
});
export type ClientCard = Static<typeof ClientCard>;

export const ClientPassport = Type.Object({
  passport: Type.String(),
  issueDate: Nullable(DateText),
  issuer: Nullable(Type.String()),
  divisionCode: Nullable(Type.String()),
});
export type ClientPassport = Static<typeof ClientPassport>;

// Processing

export const AgentItem = Type.Object({
  id: IdString,
  login: Type.String(),
  name: Type.String(),
  currency: Type.String(),
  balance: Money,
  available: Money,
  overdraft: Money,
  tokens: Type.Integer({ description: 'tokens awaiting confirmation' }),
  createdAt: Timestamp,
});
export type AgentItem = Static<typeof AgentItem>;

export const AgentQuery = Type.Object(
  { ...PageQuery, q: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

export const TokenItem = Type.Object({
  id: IdString,
  status: Type.String(),
  statusTitle: Type.String(),
  createdAt: Timestamp,
});
export type TokenItem = Static<typeof TokenItem>;

export const AgentCard = Type.Object({
  agent: AgentItem,
  reserved: Money,
  ips: Type.Array(Type.String()),
  tokens: Type.Array(TokenItem),
});
export type AgentCard = Static<typeof AgentCard>;

export const TokenAction = Type.Object(
  { action: Type.Union([Type.Literal('confirm'), Type.Literal('revoke')]) },
  { additionalProperties: false },
);
export type TokenAction = Static<typeof TokenAction>;

export const TopupBody = Type.Object(
  {
    amount: Type.String({
      pattern: '^[0-9]{1,12}\\.[0-9]{2}$',
      description: 'positive amount in the agent currency, "1500.00"',
    }),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'payment order number, …' }),
    key: Type.String({
      pattern: '^[A-Za-z0-9-]{8,64}$',
      description: 'idempotency key chosen by the console per form; a retry with it moves no money twice',
    }),
  },
  { additionalProperties: false },
);
export type TopupBody = Static<typeof TopupBody>;

export const AgentIpBody = Type.Object(
  {
    ip: Type.String({ minLength: 2, maxLength: 64, description: 'IPv4/IPv6 address or network (CIDR)' }),
    remove: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AgentIpBody = Static<typeof AgentIpBody>;

export const ServiceItem = Type.Object({
  id: Type.String(),
  type: Type.Integer({ description: '0 simple, 1 with choice, 2 complex' }),
  name: Type.String(),
  group: Type.Union([Type.String(), Type.Null()]),
  currency: Type.String(),
  fixedPayment: Type.Boolean(),
  minAmount: Money,
  maxAmount: Money,
  commissionBp: Type.Integer(),
  commissionFixed: Money,
  provider: Type.String(),
  enabled: Type.Boolean(),
});
export type ServiceItem = Static<typeof ServiceItem>;
export const ServiceList = Type.Object({ items: Type.Array(ServiceItem) });
export type ServiceList = Static<typeof ServiceList>;

export const ProcessingPaymentItem = Type.Object({
  id: IdString,
  agent: Type.String(),
  agentTxnId: Type.String(),
  service: Type.String(),
  account: Type.String(),
  amount: Money,
  result: Type.Integer(),
  final: Type.Boolean(),
  message: Type.String(),
  createdAt: Timestamp,
});
export type ProcessingPaymentItem = Static<typeof ProcessingPaymentItem>;

export const ProcessingPaymentQuery = Type.Object(
  {
    ...PageQuery,
    agent: Type.Optional(Type.String({ maxLength: 64 })),
    service: Type.Optional(Type.String({ maxLength: 64 })),
    result: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
    final: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    from: Type.Optional(DateText),
    to: Type.Optional(DateText),
  },
  { additionalProperties: false },
);

// Broker

export const FormItem = Type.Object({
  id: IdString,
  guid: Type.String(),
  partner: Type.String(),
  point: Type.String(),
  externalId: Type.String(),
  kind: Type.String(),
  amount: Money,
  status: Type.String(),
  offerStatus: Type.String(),
  offers: Type.Integer(),
  createdAt: Timestamp,
});
export type FormItem = Static<typeof FormItem>;

export const FormQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Type.String({ maxLength: 40 })),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'form guid or partner external id' })),
  },
  { additionalProperties: false },
);

export const FormCard = Type.Object({
  form: FormItem,
  scans: Type.Array(
    Type.Object({
      type: Type.String(),
      status: Type.String({
        description: 'REQUESTED, RECEIVED_FROM_PARTNER, CHECKING, RESCAN_NEEDED, CONFIRMED, DECLINED',
      }),
      declineReason: Nullable(Type.String()),
      updatedAt: Timestamp,
    }),
  ),
  lenders: Type.Array(
    Type.Object({ lender: Type.String(), status: Type.String(), detail: Nullable(Type.String()) }),
  ),
  offers: Type.Array(
    Type.Object({
      guid: Type.String(),
      lender: Type.String(),
      name: Nullable(Type.String()),
      amount: Nullable(Money),
      totalCost: Nullable(Money),
      status: Nullable(Type.String()),
      contractStatus: Nullable(Type.String()),
      signingStatus: Nullable(Type.String()),
      paymentStatus: Nullable(Type.String()),
      issueStatus: Nullable(Type.String()),
    }),
  ),
});
export type FormCard = Static<typeof FormCard>;

export const PartnerList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: IdString,
      guid: Type.String(),
      name: Type.String(),
      active: Type.Boolean(),
      offerDeadlineMs: Type.Integer(),
      registryUrl: Nullable(Type.String()),
      createdAt: Timestamp,
      points: Type.Array(
        Type.Object({
          id: IdString,
          code: Type.String(),
          name: Type.String(),
          kind: Type.String({ description: 'pos_offline, pos_online or bnpl' }),
          active: Type.Boolean(),
          users: Type.Integer({ description: 'registered point operators' }),
        }),
      ),
    }),
  ),
});
export type PartnerList = Static<typeof PartnerList>;

export const RegistryItem = Type.Object({
  id: IdString,
  businessDate: DateText,
  ownerType: Type.String(),
  owner: Type.String(),
  format: Type.String(),
  fileName: Type.String(),
  rows: Type.Integer(),
  deliveredAt: Nullable(Timestamp),
  deliveryError: Nullable(Type.String()),
});
export type RegistryItem = Static<typeof RegistryItem>;

export const RegistryQuery = Type.Object(
  { ...PageQuery, date: Type.Optional(DateText), ownerType: Type.Optional(Type.String({ maxLength: 20 })) },
  { additionalProperties: false },
);

// Messages

const smsModule = (description: string) =>
  Type.Union([Type.Literal('broker'), Type.Literal('mymfo'), Type.Literal('bnpl'), Type.Literal('wallet')], {
    description,
  });

export const SmsItem = Type.Object({
  id: Type.String({ description: 'module and outbox id, "broker:12" (one outbox, notify.sms_outbox)' }),
  module: Type.String({ description: 'broker, mymfo, bnpl or wallet' }),
  outbox: Type.String({ description: 'the same as module (the name before the outboxes were merged)' }),
  purpose: Type.String(),
  phone: Type.String({ description: 'masked' }),
  status: Type.String(),
  attempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  sentAt: Nullable(Timestamp),
});
export type SmsItem = Static<typeof SmsItem>;

export const SmsQuery = Type.Object(
  {
    ...PageQuery,
    module: Type.Optional(smsModule('only the messages of this module')),
    outbox: Type.Optional(smsModule('the old name of `module`, still accepted')),
    status: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: false },
);

export const CallbackItem = Type.Object({
  id: IdString,
  sessionId: IdString,
  merchant: Type.String(),
  orderId: Type.String(),
  kind: Type.String({ description: 'success or failure' }),
  url: Type.String(),
  status: Type.String({ description: 'pending, delivered or failed' }),
  attempts: Type.Integer(),
  lastHttpStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
});
export type CallbackItem = Static<typeof CallbackItem>;

export const CallbackQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    ),
  },
  { additionalProperties: false },
);

export const WebhookList = Type.Object({
  items: Type.Array(
    Type.Object({
      jobId: IdString,
      agentId: Type.String(),
      agent: Nullable(Type.String({ description: 'agent login' })),
      available: Nullable(Money),
      notification: Nullable(Money),
      at: Type.String({ description: 'when the balance fell below the threshold' }),
      state: Type.String({ description: 'queued, running, retrying or failed (attempts used up)' }),
      attempts: Type.Integer(),
      maxAttempts: Type.Integer(),
      lastError: Nullable(Type.String()),
      runAt: Timestamp,
    }),
  ),
});
export type WebhookList = Static<typeof WebhookList>;

// Wallet

export const WalletItem = Type.Object({
  id: IdString,
  phone: Type.String({ description: 'masked' }),
  status: Type.String(),
  kyc: Nullable(
    Type.String({
      description:
        'data_entered (waiting for verification), rejected (data_entered with a rejection), data_verified, or null',
    }),
  ),
  name: Nullable(Type.String()),
  balance: Money,
  createdAt: Timestamp,
});
export type WalletItem = Static<typeof WalletItem>;

export const WalletQuery = Type.Object(
  {
    ...PageQuery,
    kyc: Type.Optional(
      Type.Union([
        Type.Literal('data_entered'),
        Type.Literal('rejected'),
        Type.Literal('data_verified'),
        Type.Literal('none'),
      ]),
    ),
    phone: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: false },
);

export const RejectBody = Type.Object({ reason: Reason }, { additionalProperties: false });

// Lending: products and business date

export const ProductItem = Type.Object({
  id: IdString,
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  period: Nullable(Type.String()),
  minAmount: Money,
  maxAmount: Money,
  minTermDays: Type.Integer(),
  maxTermDays: Type.Integer(),
  dailyRate: Type.String({ description: 'percent per day' }),
  penaltyRateYear: Type.String({ description: 'percent per annum' }),
  maxAmountNew: Money,
  maxAmountRepeat: Money,
  pskCategory: Type.String(),
  interestAfterTerm: Type.Boolean(),
  active: Type.Boolean(),
});
export type ProductItem = Static<typeof ProductItem>;

/**
 * A product as the console's form sends it. Amounts are roubles ("15000" or "15000.00"), rates
 * percent ("0.8"); the values are checked by the lending module (its own consistency, then the
 * caps in force today), whose Russian message the answer carries.
 */
const ProductFields = {
  name: Type.String({ maxLength: 200 }),
  kind: Type.Union([Type.Literal('single'), Type.Literal('annuity'), Type.Literal('bnpl3')]),
  period: Nullable(Type.Union([Type.Literal('week'), Type.Literal('fortnight'), Type.Literal('month')])),
  minAmount: Type.String({ maxLength: 20 }),
  maxAmount: Type.String({ maxLength: 20 }),
  maxAmountNew: Type.String({ maxLength: 20 }),
  maxAmountRepeat: Type.String({ maxLength: 20 }),
  minTermDays: Type.Integer({ minimum: 0, maximum: 100_000 }),
  maxTermDays: Type.Integer({ minimum: 0, maximum: 100_000 }),
  dailyRate: Type.String({ maxLength: 20, description: 'percent per day' }),
  penaltyRateYear: Type.String({ maxLength: 20, description: 'percent per annum' }),
  pskCategory: Type.String({ maxLength: 100 }),
  interestAfterTerm: Type.Boolean(),
  active: Type.Boolean(),
};
export const ProductCreateBody = Type.Object(
  { code: Type.String({ maxLength: 32 }), ...ProductFields },
  { additionalProperties: false },
);
export type ProductCreateBody = Static<typeof ProductCreateBody>;
export const ProductPatchBody = Type.Partial(Type.Object(ProductFields), { additionalProperties: false });
export type ProductPatchBody = Static<typeof ProductPatchBody>;

export const CobBody = Type.Object({ date: DateText }, { additionalProperties: false });
export const CobAnswer = Type.Object({
  date: DateText,
  deals: Type.Integer(),
  interest: Money,
  penalty: Money,
  statusMoves: Type.Integer(),
  advancesApplied: Type.Integer(),
  elapsedMs: Type.Integer(),
});

// BNPL

export const BnplSessionItem = Type.Object({
  id: IdString,
  merchant: Type.String(),
  orderId: Type.String(),
  amount: Money,
  state: Type.String(),
  step: Type.String(),
  dealNumber: Nullable(Type.String()),
  declineReason: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type BnplSessionItem = Static<typeof BnplSessionItem>;

export const BnplSessionQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(Type.String({ maxLength: 20 })),
    merchant: Type.Optional(Type.String({ maxLength: 64 })),
    orderId: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const BnplSessionCard = Type.Object({
  session: BnplSessionItem,
  history: Type.Array(
    Type.Object({
      at: Timestamp,
      from: Nullable(Type.String()),
      to: Type.String(),
      reason: Nullable(Type.String()),
    }),
  ),
  refunds: Type.Array(
    Type.Object({
      id: IdString,
      amount: Money,
      kind: Type.String({ description: 'void (within 24 h) or early_repayment' }),
      paymentNumber: Nullable(Type.String()),
      createdAt: Timestamp,
    }),
  ),
  callbacks: Type.Array(
    Type.Object({
      id: IdString,
      kind: Type.String(),
      url: Type.String(),
      status: Type.String(),
      deliveredAt: Nullable(Timestamp),
      attempts: Type.Array(
        Type.Object({
          attempt: Type.Integer(),
          httpStatus: Nullable(Type.Integer()),
          error: Nullable(Type.String()),
          durationMs: Type.Integer(),
          at: Timestamp,
        }),
      ),
    }),
  ),
});
export type BnplSessionCard = Static<typeof BnplSessionCard>;

export const BnplMerchantList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: IdString,
      code: Type.String(),
      name: Type.String(),
      active: Type.Boolean(),
      sessions: Type.Integer(),
      approved: Type.Integer({ description: 'sessions that became a loan' }),
      createdAt: Timestamp,
    }),
  ),
});
export type BnplMerchantList = Static<typeof BnplMerchantList>;
