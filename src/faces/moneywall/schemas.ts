import { Type } from '@sinclair/typebox';

const Str = (description: string, max = 200) => Type.String({ minLength: 1, maxLength: max, description });
const OptStr = (description: string, max = 200) =>
  Type.Optional(Type.String({ maxLength: max, description }));
const DateOnly = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (ГГГГ-ММ-ДД)` });
/** ISO 8601 date-time; the zone is checked by the face (a missing zone is read as Moscow time). */
const DateTime = (description: string) => Type.String({ minLength: 10, maxLength: 40, description });
const Amount = Type.Union([Type.Number(), Type.String()], {
  description: 'сумма в рублях, до копеек: 10000 или 10000.50',
  examples: [10000],
});

export const Flight = Type.Object({
  aircraft: Str('модель самолёта'),
  departure_dt: DateTime('время вылета, ISO 8601 с часовым поясом'),
  arrival_dt: DateTime('время прилёта, ISO 8601 с часовым поясом'),
  book_code: Str('код бронирования'),
  orig: Str('аэропорт вылета'),
  dest: Str('аэропорт прилёта'),
  flight_number: Str('номер рейса'),
  marketing_ac: Str('маркетинговый перевозчик'),
  operating_ac: Str('оперирующий перевозчик'),
});

export const Passenger = Type.Object({
  first_name: Str('имя'),
  middle_name: OptStr('отчество'),
  last_name: Str('фамилия'),
  document_type: Type.Union(
    [
      Type.Literal('international_passport'),
      Type.Literal('local_passport'),
      Type.Literal('birth_certificate'),
    ],
    { description: 'тип документа' },
  ),
  document_number: Str('номер документа', 64),
  birth_date: DateOnly('дата рождения'),
});

export const AirlineProduct = Type.Object({
  cabin_type: Type.Union([Type.Literal('economy'), Type.Literal('business'), Type.Literal('premium')], {
    description: 'класс обслуживания',
  }),
  validating_airline: Str('валидирующая авиакомпания', 8),
  segments: Type.Array(Type.Object({ flights: Type.Array(Flight, { minItems: 1, maxItems: 20 }) }), {
    minItems: 1,
    maxItems: 20,
  }),
  passengers: Type.Array(Passenger, { minItems: 1, maxItems: 20 }),
});

export const LocalPassport = Type.Object({
  birth_date: DateOnly('дата рождения'),
  issue_date: DateOnly('дата выдачи'),
  number: Type.String({
    pattern: '^\\s*\\d{2}\\s?\\d{2}\\s?\\d{6}\\s*$',
    description: 'серия и номер, 10 цифр',
  }),
  last_name: Str('фамилия'),
  first_name: Str('имя'),
  middle_name: Str('отчество'),
  sex: Type.Union([Type.Literal('female'), Type.Literal('male')], { description: 'пол' }),
  issuing_authority: Str('кем выдан', 500),
  authority_code: Type.String({ pattern: '^\\d{3}-?\\d{3}$', description: 'код подразделения' }),
});

export const Address = Type.Object({
  city: Str('город'),
  street: Str('улица'),
  building: Str('дом', 32),
  housing: OptStr('строение', 32),
  apartment: OptStr('квартира', 32),
  postcode: Type.String({ pattern: '^\\d{6}$', description: 'почтовый индекс' }),
});

export const InternationalPassport = Type.Object({
  country_code: Type.String({ pattern: '^[A-Z]{2}$', description: 'код страны' }),
  birth_date: DateOnly('дата рождения'),
  expiration_date: DateOnly('срок истечения'),
  number: Str('номер', 32),
  first_name: Str('имя'),
  last_name: Str('фамилия'),
});

export const Meta = Type.Object({
  client_orders_count: Type.Optional(Type.Integer({ minimum: 0 })),
  client_login: Type.Optional(Type.Boolean()),
  orders_count: Type.Optional(Type.Integer({ minimum: 0 })),
  book_code: OptStr('код бронирования'),
  original_provider_order_id: OptStr('идентификатор заказа в системе партнёра'),
});

export const InitBody = Type.Object({
  phone: Type.String({ pattern: '^\\+?7\\d{10}$', description: 'телефон клиента, 11 цифр: 79031232299' }),
  email: Type.String({
    pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$',
    maxLength: 200,
    description: 'e-mail клиента',
  }),
  amount: Amount,
  calculated_credit_cost: Type.Optional(Amount),
  success_callback_url: Str('callback при одобрении', 2000),
  failure_callback_url: Str('callback при отказе', 2000),
  redirect_url: Str('страница заказа у партнёра', 2000),
  order_id: Str('идентификатор сессии у партнёра', 128),
  web_mode: Type.Optional(Type.Union([Type.Literal('standalone'), Type.Literal('iframe')])),
  original_provider_order_id: OptStr('идентификатор заказа в системе партнёра'),
  expires_at: Type.Optional(DateTime('таймлимит заказа, ISO 8601 с часовым поясом')),
  product_type: Type.Optional(Type.Literal('airline_tickets', { description: 'тип товара' })),
  product: Type.Optional(AirlineProduct),
  local_passport: Type.Optional(LocalPassport),
  address: Type.Optional(Address),
  international_passport: Type.Optional(InternationalPassport),
  meta: Type.Optional(Meta),
});

export const InitAnswer = Type.Object({
  id: Type.Integer(),
  amount: Type.Number(),
  frame_url: Type.String({
    description:
      'адрес страницы оформления: публичный адрес Kopek (KOPEK_PUBLIC_URL) + /frame/<токен сессии>; заголовок Host запроса не учитывается, повтор init даёт тот же адрес',
  }),
});

export const OrderQuery = Type.Object({ order_id: Str('идентификатор платёжной сессии у партнёра', 128) });

export const StatesQuery = Type.Object({
  from: DateTime('начало периода, ISO 8601 с часовым поясом'),
  till: DateTime('конец периода (не включая), ISO 8601 с часовым поясом'),
});

export const RefundBody = Type.Object({
  order_id: Str('идентификатор платёжной сессии', 128),
  amount: Amount,
});

export const ErrorAnswer = Type.Object({
  error: Type.String({ description: 'код ошибки' }),
  message: Type.String({ description: 'описание по-русски' }),
});
