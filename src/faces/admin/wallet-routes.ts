import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import {
  searchWalletPayments,
  WALLET_PAYMENT_SORTS,
  type WalletPaymentRow,
  walletCard,
} from '../../staff/console/wallet-payments-read.ts';
import { searchWallets, WALLET_SORTS, type WalletRow } from '../../staff/console/wallet-read.ts';
import { rejectPerson } from '../../wallet/kyc-review.ts';
import { verifyPerson } from '../../wallet/person.ts';
import { WalletCard, WalletPaymentItem, WalletPaymentQuery } from './broker-wallet-schemas.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { maskPhone } from './lending-routes.ts';
import { registerList } from './list.ts';
import { RejectBody, WalletItem, WalletQuery } from './module-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

function walletItem(r: WalletRow): WalletItem {
  return {
    id: String(r.id),
    phone: maskPhone(r.phone),
    status: r.status,
    kyc: r.kyc,
    name: r.name,
    balance: formatRoubles(r.balance),
    createdAt: r.createdAt.toISOString(),
  };
}

function paymentItem(r: WalletPaymentRow): WalletPaymentItem {
  return {
    id: String(r.id),
    walletId: String(r.walletId),
    phone: maskPhone(r.phone),
    service: r.service,
    serviceName: r.serviceName,
    amount: formatRoubles(r.amount),
    fee: r.fee === null ? null : formatRoubles(r.fee),
    state: r.state,
    result: r.result,
    message: r.message,
    createdAt: r.createdAt.toISOString(),
    processedAt: r.processedAt?.toISOString() ?? null,
  };
}

export function walletRoutes(app: FaceApp, ctx: AppContext): void {
  walletPaymentRoutes(app, ctx);
  registerList(app, ctx, {
    path: '/wallet/wallets',
    permission: 'wallet.read',
    summary:
      'Кошельки: остаток, статус проверки персональных данных (kyc=data_entered — очередь на проверку)',
    tags: ['wallet'],
    query: WalletQuery,
    item: WalletItem,
    sorts: WALLET_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({ ...(q.kyc ? { kyc: q.kyc } : {}), ...(q.phone ? { phone: q.phone } : {}) }),
    fetch: searchWallets,
    toItem: walletItem,
    csv: {
      name: 'wallets',
      columns: [
        { header: { ru: 'Номер', en: 'Id' }, value: (r) => r.id },
        { header: { ru: 'Телефон', en: 'Phone' }, value: (r) => maskPhone(r.phone) },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Проверка', en: 'KYC' }, value: (r) => r.kyc },
        { header: { ru: 'Остаток', en: 'Balance' }, value: (r) => formatRoubles(r.balance) },
      ],
    },
  });

  app.post(
    '/wallet/wallets/:id/verify',
    {
      ...needs('wallet.kyc'),
      schema: {
        summary: 'Подтвердить персональные данные владельца кошелька (data_entered → data_verified)',
        description:
          'Через `verifyPerson` модуля кошелька, с записью в журнал аудита; повтор — 409 `wallet.not_pending`.',
        tags: ['wallet'],
        params: Type.Object({ id: IdString }),
        response: {
          200: Type.Object({ id: IdString, kyc: Type.Literal('data_verified') }),
          '4xx': ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      const changed = await verifyPerson(ctx, id, changeOf(request).actor);
      if (!changed)
        throw new AppError(
          'conflict',
          'wallet.not_pending',
          'данные владельца не ждут проверки (не заполнены или уже подтверждены)',
        );
      noStore(reply);
      return { id: String(id), kyc: 'data_verified' as const };
    },
  );

  app.post(
    '/wallet/wallets/:id/reject',
    {
      ...needs('wallet.kyc'),
      schema: {
        summary: 'Отклонить персональные данные владельца кошелька (остаются data_entered с отметкой)',
        description:
          'Протокол кошелька знает только data_entered и data_verified: данные остаются `data_entered` ' +
          '(кошелёк должен прислать исправленные), отметка отказа — в `verified_by`, причина — в журнале ' +
          'аудита (`wallet.person.reject`). Повтор или данные не на проверке — 409 `wallet.not_pending`.',
        tags: ['wallet'],
        params: Type.Object({ id: IdString }),
        body: RejectBody,
        response: {
          200: Type.Object({ id: IdString, kyc: Type.Literal('rejected') }),
          '4xx': ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      const reason = request.body.reason.trim();
      if (!reason) throw new AppError('validation', 'wallet.reason_required', 'укажите причину отказа');
      const changed = await rejectPerson(ctx, id, reason, changeOf(request).actor);
      if (!changed)
        throw new AppError(
          'conflict',
          'wallet.not_pending',
          'данные владельца не ждут проверки (не заполнены, уже подтверждены или уже отклонены)',
        );
      noStore(reply);
      return { id: String(id), kyc: 'rejected' as const };
    },
  );
}

/** Wallet payments across wallets, and one wallet's card. */
function walletPaymentRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/wallet/payments',
    permission: 'wallet.read',
    summary: 'Платежи кошельков: по кошельку, состоянию, услуге, датам (московским, включительно)',
    tags: ['wallet'],
    query: WalletPaymentQuery,
    item: WalletPaymentItem,
    sorts: WALLET_PAYMENT_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.wallet ? { wallet: parseId(q.wallet) } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    }),
    fetch: searchWalletPayments,
    toItem: paymentItem,
    csv: {
      name: 'wallet-payments',
      columns: [
        { header: { ru: 'Платёж', en: 'Payment' }, value: (r) => r.id },
        { header: { ru: 'Кошелёк', en: 'Wallet' }, value: (r) => r.walletId },
        { header: { ru: 'Телефон', en: 'Phone' }, value: (r) => maskPhone(r.phone) },
        { header: { ru: 'Услуга', en: 'Service' }, value: (r) => r.service },
        { header: { ru: 'Название услуги', en: 'Service name' }, value: (r) => r.serviceName },
        { header: { ru: 'Сумма', en: 'Amount' }, value: (r) => formatRoubles(r.amount) },
        {
          header: { ru: 'Комиссия', en: 'Fee' },
          value: (r) => (r.fee === null ? '' : formatRoubles(r.fee)),
        },
        { header: { ru: 'Состояние', en: 'State' }, value: (r) => r.state },
        { header: { ru: 'Код результата', en: 'Result' }, value: (r) => r.result },
        { header: { ru: 'Создан', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });

  app.get(
    '/wallet/wallets/:id',
    {
      ...needs('wallet.read'),
      schema: {
        summary: 'Карточка кошелька: остаток, холды, доступно, проверка данных владельца, последние платежи',
        description:
          'Холды — суммы платежей в обработке (резерв главной книги на счёте кошелька); ' +
          'причина отказа в проверке — из журнала аудита. Все платежи — `GET /wallet/payments?wallet={id}`.',
        tags: ['wallet'],
        params: Type.Object({ id: IdString }),
        response: { 200: WalletCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const card = await walletCard(ctx.pool, parseId(request.params.id));
      if (!card) throw new AppError('not_found', 'wallet.wallet_not_found', 'кошелёк не найден');
      noStore(reply);
      return {
        id: String(card.id),
        phone: maskPhone(card.phone),
        status: card.status,
        createdAt: card.createdAt.toISOString(),
        activatedAt: card.activatedAt?.toISOString() ?? null,
        balance: formatRoubles(card.balance),
        holds: formatRoubles(card.holds),
        available: formatRoubles(card.balance - card.holds),
        kyc: { ...card.kyc, decidedAt: card.kyc.decidedAt?.toISOString() ?? null },
        payments: { total: card.payments.total, latest: card.payments.latest.map(paymentItem) },
      } satisfies WalletCard;
    },
  );
}
