import { Type } from '@sinclair/typebox';

/** Amounts: JSON numbers (200.00) or strings ("200.00"), at most two decimals (checked exactly later). */
const Amount = Type.Union([Type.Number(), Type.String()], {
  description: 'сумма с точностью до сотых: 200.00 или "200.00"',
  examples: [200.0],
});

/** Up to 18 digits: a JSON number (read losslessly) or a string of digits. */
const TxnId = Type.Union([Type.Integer(), Type.String()], {
  description: 'целое число до 18 знаков (числом JSON или строкой)',
  examples: [1233355],
});

export const ServiceRequest = Type.Object({ serviceId: Type.String({ minLength: 1, maxLength: 32 }) });

export const PhoneRequest = Type.Object({ phoneNumber: Type.String({ minLength: 1, maxLength: 32 }) });

export const PaymentBody = Type.Object(
  {
    serviceId: Type.String({ minLength: 1, maxLength: 32, description: 'код услуги в процессинге' }),
    account: Type.String({ minLength: 1, maxLength: 200, description: 'идентификатор плательщика' }),
    agentTransactionId: TxnId,
    agentTransactionDate: Type.Optional(
      Type.String({
        maxLength: 40,
        description: 'YYYY-MM-DDThh:mm:ss, местное время Агента; зона (Z, +05:00) допускается',
      }),
    ),
    amountTo: Type.Optional(Amount),
    amountFrom: Type.Optional(Amount),
    extras: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 500 }), Type.Number()]), {
        description: 'экстра-поля: account1, account2, contractId (схема «с выбором») …',
      }),
    ),
    extraServices: Type.Optional(
      Type.Array(
        Type.Object({
          subServiceId: Type.Union([Type.String({ maxLength: 64 }), Type.Integer()]),
          amount: Amount,
          lastCount: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])),
        }),
        { maxItems: 100, description: 'услуги квитанции (схема «комплексная»); сумма amount = amountTo' },
      ),
    ),
    identityCard: Type.Optional(Type.String({ maxLength: 100 })),
    fullName: Type.Optional(Type.String({ maxLength: 300 })),
  },
  {
    examples: [
      {
        serviceId: 'P1011',
        account: '7770017711',
        agentTransactionId: 1233355,
        agentTransactionDate: '2015-02-17T16:48:37',
        amountTo: 200.0,
        amountFrom: 200.0,
      },
      {
        serviceId: 'P0005',
        account: '1234567890',
        agentTransactionId: 1233356,
        agentTransactionDate: '2015-02-17T16:48:37',
        amountTo: 2000.0,
        extras: { contractId: '000000588' },
      },
      {
        serviceId: 'P0006',
        account: '123456789012',
        agentTransactionId: 1233357,
        agentTransactionDate: '2015-02-17T16:48:37',
        amountTo: 450.0,
        extraServices: [
          { subServiceId: '36', lastCount: '11236', amount: 100.0 },
          { subServiceId: '13', amount: 350.0 },
        ],
      },
    ],
  },
);

const Result = {
  result: Type.Integer({ description: 'код ответа (Таблица 1)' }),
  resultMessage: Type.String(),
};

export const PaymentAnswer = Type.Object(
  {
    ...Result,
    transactionId: Type.Optional(Type.Integer()),
    transactionDate: Type.Optional(Type.String()),
    statusDate: Type.Optional(Type.String()),
    agentTransactionId: Type.Optional(Type.Integer()),
    currencyRate: Type.Optional(Type.String()),
    rate: Type.Optional(Type.Number()),
    finalAmount: Type.Optional(Type.Number()),
    currency: Type.Optional(Type.String()),
    displays: Type.Optional(Type.Record(Type.String(), Type.String())),
    contracts: Type.Optional(Type.Array(Type.Record(Type.String(), Type.String()))),
    invoice: Type.Optional(Type.Object({ invoices: Type.Array(Type.Unknown()) })),
  },
  { additionalProperties: true },
);

const Field = Type.Object({
  name: Type.String(),
  required: Type.Boolean(),
  title: Type.String(),
  regexp: Type.String(),
});

const ServiceItem = Type.Object({
  serviceId: Type.String(),
  type: Type.Integer({ description: '0 простая, 1 «с выбором», 2 «комплексная»' }),
  name: Type.String(),
  group: Type.Optional(Type.String()),
  fixedPayment: Type.Optional(Type.Boolean()),
  country: Type.Optional(Type.String()),
  inputs: Type.Optional(Type.Array(Field)),
  displays: Type.Optional(Type.Array(Field)),
});

export const ServicesAnswer = Type.Object({
  ...Result,
  services: Type.Array(ServiceItem),
  serviсes: Type.Array(ServiceItem, { description: 'то же, с кириллической «с», как в документе' }),
});

export const BalanceAnswer = Type.Object({
  ...Result,
  agent: Type.Object({
    agentId: Type.Integer(),
    agentName: Type.String(),
    balance: Type.Number(),
    overdraft: Type.Number(),
    notification: Type.Number(),
    currency: Type.String(),
  }),
});

export const OperatorAnswer = Type.Object({ ...Result, serviceId: Type.Optional(Type.String()) });

export const ErrorAnswer = Type.Object({ ...Result });
