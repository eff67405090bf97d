import { AppError } from '../../platform/errors.ts';

/** The acquirer did not answer usefully: the caller may retry (HTTP 503 on the faces). */
export class AcquiringUnavailable extends AppError {
  constructor(message: string) {
    super('unavailable', 'bnpl.acquiring_unavailable', message);
  }
}
