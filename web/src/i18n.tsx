import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { brokerWalletEn, brokerWalletRu } from './i18n-broker-wallet.ts';
import { modulesEn, modulesRu } from './i18n-modules.ts';

export type Locale = 'ru' | 'en';

const ru = {
  'app.title': 'Kopek — консоль',
  'nav.dashboard': 'Панель',
  'nav.ledger': 'Счета',
  'nav.audit': 'Журнал аудита',
  'nav.staff': 'Сотрудники',
  'nav.main': 'Основное меню',
  'auth.title': 'Вход в консоль Kopek',
  'auth.login': 'Логин',
  'auth.password': 'Пароль',
  'auth.submit': 'Войти',
  'auth.logout': 'Выйти',
  'auth.locale': 'Язык',
  'common.loading': 'Загрузка…',
  'common.search': 'Поиск',
  'common.all': 'Все',
  'common.total': 'Всего: {n}',
  'common.export': 'Выгрузить CSV',
  'common.perPage': 'Строк на странице',
  'common.empty': 'Ничего не найдено',
  'common.reset': 'Сбросить фильтры',
  'common.save': 'Сохранить',
  'common.cancel': 'Отмена',
  'common.create': 'Создать',
  'common.back': 'Назад',
  'common.more': 'Показать ещё',
  'common.filters': 'Фильтры',
  'common.pagination': 'Страницы',
  'forbidden.title': 'Недостаточно прав',
  'forbidden.text': 'Для этого раздела нужно право «{permission}». Обратитесь к администратору.',
  'notFound.title': 'Страница не найдена',
  'dashboard.title': 'Панель',
  'dashboard.empty': 'Для вашей роли пока нет доступных виджетов.',
  'dashboard.period': 'Период, дней',
  'ledger.title': 'Счета главной книги',
  'ledger.q': 'Код или номер счёта',
  'ledger.id': 'Номер',
  'ledger.code': 'Код',
  'ledger.kind': 'Вид',
  'ledger.owner': 'Владелец',
  'ledger.currency': 'Валюта',
  'ledger.balance': 'Остаток',
  'ledger.available': 'Доступно',
  'ledger.pendingDebits': 'Зарезервировано к списанию',
  'ledger.pendingCredits': 'Ожидает зачисления',
  'ledger.lowerBound': 'Нижняя граница',
  'ledger.upperBound': 'Верхняя граница',
  'ledger.createdAt': 'Открыт',
  'ledger.card': 'Счёт {code}',
  'ledger.history': 'История проводок',
  'ledger.entry.at': 'Время',
  'ledger.entry.kind': 'Операция',
  'ledger.entry.status': 'Статус',
  'ledger.entry.amount': 'Сумма',
  'ledger.entry.description': 'Описание',
  'ledger.entry.key': 'Ключ',
  'ledger.noBound': 'нет',
  'ledger.status.posted': 'проведена',
  'ledger.status.pending': 'в резерве',
  'ledger.status.voided': 'отменена',
  'ledger.status.expired': 'истекла',
  'audit.title': 'Журнал аудита',
  'audit.at': 'Время',
  'audit.actor': 'Кто',
  'audit.actorType': 'Тип субъекта',
  'audit.action': 'Действие',
  'audit.subject': 'Объект',
  'audit.subjectType': 'Тип объекта',
  'audit.subjectId': 'Номер объекта',
  'audit.details': 'Подробности',
  'audit.from': 'С даты',
  'audit.to': 'По дату',
  'staff.title': 'Сотрудники',
  'staff.login': 'Логин',
  'staff.name': 'Имя',
  'staff.role': 'Роль',
  'staff.status': 'Состояние',
  'staff.lastLogin': 'Последний вход',
  'staff.active': 'активен',
  'staff.blocked': 'заблокирован',
  'staff.locked': 'временно заблокирован',
  'staff.new': 'Новый сотрудник',
  'staff.password': 'Пароль',
  'staff.newPassword': 'Новый пароль',
  'staff.setPassword': 'Сменить пароль',
  'staff.block': 'Заблокировать',
  'staff.unblock': 'Разблокировать',
  'staff.locale': 'Язык интерфейса',
  'staff.saved': 'Сохранено',
  'staff.passwordSet': 'Пароль изменён, сессии сотрудника закрыты',
  'staff.permissions': 'Права роли',
  ...modulesRu,
  ...brokerWalletRu,
} as const;

export type MessageKey = keyof typeof ru;

const en: Record<MessageKey, string> = {
  'app.title': 'Kopek console',
  'nav.dashboard': 'Dashboard',
  'nav.ledger': 'Accounts',
  'nav.audit': 'Audit log',
  'nav.staff': 'Staff',
  'nav.main': 'Main menu',
  'auth.title': 'Sign in to Kopek console',
  'auth.login': 'Login',
  'auth.password': 'Password',
  'auth.submit': 'Sign in',
  'auth.logout': 'Sign out',
  'auth.locale': 'Language',
  'common.loading': 'Loading…',
  'common.search': 'Search',
  'common.all': 'All',
  'common.total': 'Total: {n}',
  'common.export': 'Export CSV',
  'common.perPage': 'Rows per page',
  'common.empty': 'Nothing found',
  'common.reset': 'Reset filters',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.create': 'Create',
  'common.back': 'Back',
  'common.more': 'Show more',
  'common.filters': 'Filters',
  'common.pagination': 'Pages',
  'forbidden.title': 'Access denied',
  'forbidden.text': 'This section needs the “{permission}” permission. Ask an administrator.',
  'notFound.title': 'Page not found',
  'dashboard.title': 'Dashboard',
  'dashboard.empty': 'No widgets are available to your role yet.',
  'dashboard.period': 'Period, days',
  'ledger.title': 'Ledger accounts',
  'ledger.q': 'Account code or number',
  'ledger.id': 'Id',
  'ledger.code': 'Code',
  'ledger.kind': 'Kind',
  'ledger.owner': 'Owner',
  'ledger.currency': 'Currency',
  'ledger.balance': 'Balance',
  'ledger.available': 'Available',
  'ledger.pendingDebits': 'Reserved for debit',
  'ledger.pendingCredits': 'Pending credit',
  'ledger.lowerBound': 'Lower bound',
  'ledger.upperBound': 'Upper bound',
  'ledger.createdAt': 'Opened',
  'ledger.card': 'Account {code}',
  'ledger.history': 'Entries',
  'ledger.entry.at': 'At',
  'ledger.entry.kind': 'Operation',
  'ledger.entry.status': 'Status',
  'ledger.entry.amount': 'Amount',
  'ledger.entry.description': 'Description',
  'ledger.entry.key': 'Key',
  'ledger.noBound': 'none',
  'ledger.status.posted': 'posted',
  'ledger.status.pending': 'pending',
  'ledger.status.voided': 'voided',
  'ledger.status.expired': 'expired',
  'audit.title': 'Audit log',
  'audit.at': 'At',
  'audit.actor': 'Actor',
  'audit.actorType': 'Actor type',
  'audit.action': 'Action',
  'audit.subject': 'Subject',
  'audit.subjectType': 'Subject type',
  'audit.subjectId': 'Subject id',
  'audit.details': 'Details',
  'audit.from': 'From',
  'audit.to': 'To',
  'staff.title': 'Staff',
  'staff.login': 'Login',
  'staff.name': 'Name',
  'staff.role': 'Role',
  'staff.status': 'Status',
  'staff.lastLogin': 'Last login',
  'staff.active': 'active',
  'staff.blocked': 'blocked',
  'staff.locked': 'locked out',
  'staff.new': 'New staff user',
  'staff.password': 'Password',
  'staff.newPassword': 'New password',
  'staff.setPassword': 'Change password',
  'staff.block': 'Block',
  'staff.unblock': 'Unblock',
  'staff.locale': 'Interface language',
  'staff.saved': 'Saved',
  'staff.passwordSet': 'Password changed, the user’s sessions are closed',
  'staff.permissions': 'Role permissions',
  ...modulesEn,
  ...brokerWalletEn,
};

const MESSAGES: Record<Locale, Record<MessageKey, string>> = { ru, en };

interface I18n {
  locale: Locale;
  /** Switches the locale; `persist: false` applies it without remembering it in this browser. */
  setLocale(locale: Locale, persist?: boolean): void;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** Picks the text of the current locale from a server `{ru, en}` pair. */
  pick(text: { ru: string; en: string }): string;
  /** "1234567.50" -> "1 234 567,50" (ru) or "1,234,567.50" (en): exact, no floats. */
  money(value: string, currency?: string): string;
  dateTime(iso: string): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

const STORAGE_KEY = 'kopek.locale';

/** The locale chosen in this browser, if any (else the staff user's own setting applies). */
export function storedLocale(): Locale | undefined {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'ru' ? stored : undefined;
}

export function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'ru';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale, persist = true) => {
    if (persist) localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLocaleState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const messages = MESSAGES[locale];
    const dateFormat = new Intl.DateTimeFormat(locale === 'ru' ? 'ru-RU' : 'en-GB', {
      dateStyle: 'short',
      timeStyle: 'medium',
    });
    return {
      locale,
      setLocale,
      t: (key, params) =>
        messages[key].replace(/\{(\w+)\}/g, (_, name: string) => String(params?.[name] ?? `{${name}}`)),
      pick: (text) => text[locale],
      money: (value, currency) => formatMoney(value, locale, currency),
      dateTime: (iso) => dateFormat.format(new Date(iso)),
    };
  }, [locale, setLocale]);
  document.documentElement.lang = locale;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

const SIGNS: Record<string, string> = { RUB: '₽', KZT: '₸', USD: '$' };

export function formatMoney(value: string, locale: Locale, currency?: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return value;
  const [, minus, whole = '0', fraction = ''] = match;
  const group = locale === 'ru' ? '\u00a0' : ',';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const text = `${minus}${grouped}${fraction ? (locale === 'ru' ? ',' : '.') + fraction : ''}`;
  if (!currency) return text;
  return `${text}\u00a0${SIGNS[currency] ?? currency}`;
}
