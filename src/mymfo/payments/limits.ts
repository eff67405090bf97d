import type { Kopecks } from '../../platform/money.ts';

/** Smallest payment accepted: 1.00 RUB (below: 241). */
export const MIN_PAYMENT: Kopecks = 100n;

/**
 * Largest single payment accepted through a payment service: 600 000.00 RUB, the threshold of
 * mandatory control under 115-FZ art. 6 (above: 242). A payment is also refused with 242 when
 * it exceeds the whole debt of the loan today: the excess would be stranded on the client's
 * account, and refunds are not built (docs/lending.md).
 */
export const MAX_PAYMENT: Kopecks = 60_000_000n;
