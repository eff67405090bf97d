import type { FastifyError } from 'fastify';
import { AppError, type ErrorKind, isDatabaseUnavailable } from '../errors.ts';
import { IdError } from '../ids.ts';
import { MoneyError } from '../money.ts';

/**
 * Every failure of a request, reduced to what a face needs to answer it in its own protocol:
 * the kind (which picks the protocol's result code or HTTP status), a module code and a message
 * fit to show a client. Internals (stack, SQL) never get here.
 */
export interface FaceError {
  kind:
    | ErrorKind
    | 'malformed'
    | 'unsupported_media_type'
    | 'too_large'
    | 'method_not_allowed'
    | 'route_not_found'
    | 'internal';
  code: string;
  message: string;
  status: number;
  details?: Record<string, unknown>;
}

const STATUS: Record<FaceError['kind'], number> = {
  validation: 422,
  malformed: 400,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  forbidden: 403,
  unauthorized: 401,
  insufficient_funds: 422,
  limit: 422,
  unavailable: 503,
  unsupported_media_type: 415,
  too_large: 413,
  method_not_allowed: 405,
  internal: 500,
};

export function faceError(
  kind: FaceError['kind'],
  code: string,
  message: string,
  details?: Record<string, unknown>,
): FaceError {
  return { kind, code, message, status: STATUS[kind], ...(details ? { details } : {}) };
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

/** `/payer/phone must match pattern` -> `payer.phone: не соответствует формату` */
export function describeValidation(issues: ValidationIssue[], context?: string): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const missing = issue.keyword === 'required' ? String(issue.params?.missingProperty ?? '') : '';
      const extra =
        issue.keyword === 'additionalProperties' ? String(issue.params?.additionalProperty ?? '') : '';
      const path = [
        context === 'body' ? '' : (context ?? ''),
        (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.'),
        missing || extra,
      ]
        .filter(Boolean)
        .join('.');
      return `${path || 'запрос'}: ${russianReason(issue)}`;
    })
    .join('; ');
}

function russianReason(issue: ValidationIssue): string {
  const p = issue.params ?? {};
  switch (issue.keyword) {
    case 'required':
      return 'обязательное поле не заполнено';
    case 'additionalProperties':
      return 'неизвестное поле';
    case 'type':
      return `неверный тип, ожидается ${TYPE_NAMES[String(p.type)] ?? String(p.type)}`;
    case 'pattern':
    case 'format':
      return 'неверный формат';
    case 'minLength':
      return `не короче ${String(p.limit)} символов`;
    case 'maxLength':
      return `не длиннее ${String(p.limit)} символов`;
    case 'minimum':
      return `не меньше ${String(p.limit)}`;
    case 'maximum':
      return `не больше ${String(p.limit)}`;
    case 'enum':
      return `допустимые значения: ${(p.allowedValues as unknown[] | undefined)?.join(', ') ?? ''}`;
    case 'anyOf':
    case 'oneOf':
      return 'значение не подходит ни под один допустимый вариант';
    default:
      return issue.message ?? 'неверное значение';
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'строка',
  number: 'число',
  integer: 'целое число',
  boolean: 'логическое значение',
  object: 'объект',
  array: 'массив',
  null: 'null',
};

/** Reduces anything thrown while serving a request to a `FaceError`. */
export function toFaceError(error: unknown): FaceError {
  if (error instanceof AppError) return faceError(error.kind, error.code, error.message, error.details);
  if (error instanceof MoneyError) return faceError('validation', `money.${error.code}`, error.message);
  if (error instanceof IdError) return faceError('validation', 'id', error.message);
  if (isDatabaseUnavailable(error))
    return faceError('unavailable', 'database_unavailable', 'сервис временно недоступен, повторите запрос');
  const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe?.validation)
    return faceError('validation', 'validation', describeValidation(fe.validation, fe.validationContext));
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'KOPEK_MALFORMED_BODY':
      return faceError('malformed', 'malformed', fe.message || 'тело запроса не является корректным JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return faceError(
        'unsupported_media_type',
        'unsupported_media_type',
        'неподдерживаемый тип содержимого',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return faceError('too_large', 'too_large', 'тело запроса слишком велико');
    default:
      break;
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { kind: 'malformed', code: 'bad_request', message: 'неверный запрос', status: fe.statusCode };
  }
  return faceError('internal', 'internal', 'внутренняя ошибка сервиса');
}
