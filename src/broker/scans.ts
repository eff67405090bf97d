import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { assertFormOpen, offerById, offerOfForm, ownedForm } from './access.ts';
import { offerRef, renderTemplates, storedContractValues, storePrintForms } from './contracts.ts';
import type { ScanStatus, ScansStatus } from './dictionaries.ts';
import { brokerError, validationError } from './errors.ts';
import { saveScanRow } from './forms.ts';
import { LenderUnavailable } from './lenders/adapter.ts';
import type { Partner } from './partners.ts';
import { checkScans, type FieldError } from './validation.ts';

/** `save_scans`: stores the scans (MIME checked by content) and sends them to the lender to check. */
export async function saveScans(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
  scansBody: unknown,
): Promise<void> {
  const errors: FieldError[] = [];
  const scans = checkScans(scansBody, 'scans', errors);
  await withTx(ctx.pool, async (tx) => {
    const form = await ownedForm(tx, partner.id, formGuid, true);
    const offer = await offerOfForm(tx, form, offerGuid, true);
    assertFormOpen(form);
    if (!scans) throw validationError(errors);
    if (!['confirmed', 'contract_ready', 'signed'].includes(offer.status))
      throw brokerError(
        'broker.offer_state',
        'сканы принимаются по выбранному предложению до подтверждения договора',
      );
    const { rows: checking } = await tx.query(
      `SELECT 1 FROM broker.scans WHERE form_id = $1 AND status = 'CHECKING'`,
      [form.id],
    );
    if (checking.length > 0) throw brokerError('broker.scans_checking', 'проверка сканов в процессе');
    for (const scan of scans) await saveScanRow(tx, partner.id, form.id, scan, offer.id);
    if (offer.status !== 'confirmed')
      await enqueue(
        tx,
        'broker:check_scans',
        { offerId: offer.id },
        { maxAttempts: 5, jobKey: `broker:check_scans:${offer.id}` },
      );
  });
}

export async function scanRows(db: Queryable, formId: bigint) {
  const { rows } = await db.query<{ type: string; status: ScanStatus; decline_reason: string | null }>(
    `SELECT type, status, decline_reason FROM broker.scans WHERE form_id = $1 ORDER BY type`,
    [formId],
  );
  return rows;
}

/** The overall status of a form's scans, worst first. */
export function overallScansStatus(statuses: ScanStatus[]): ScansStatus {
  const has = (s: ScanStatus) => statuses.includes(s);
  if (has('DECLINED')) return 'DECLINED';
  if (has('RESCAN_NEEDED')) return 'RESCAN_NEEDED';
  if (has('REQUESTED')) return 'REQUESTED';
  if (has('CHECKING')) return 'CHECKING';
  if (has('RECEIVED_FROM_PARTNER')) return 'RECEIVED_FROM_PARTNER';
  return 'ACCEPTED';
}

/** `get_scans_status`. */
export async function getScansStatus(db: Queryable, partner: Partner, formGuid: unknown, offerGuid: unknown) {
  const form = await ownedForm(db, partner.id, formGuid);
  await offerOfForm(db, form, offerGuid);
  const rows = await scanRows(db, form.id);
  const overall = overallScansStatus(rows.map((r) => r.status));
  const { rows: flag } = await db.query<{ print_forms_changed: boolean }>(
    `SELECT print_forms_changed FROM broker.offers WHERE form_id = $1 AND print_forms_changed`,
    [form.id],
  );
  return {
    scans: rows.map((r) => ({
      type: r.type,
      status: r.status,
      ...(r.decline_reason ? { decline_reason: r.decline_reason } : {}),
    })),
    // New print forms outrank every state but a refusal: the client must see them first.
    scans_status:
      flag.length > 0 && overall !== 'DECLINED' && overall !== 'RESCAN_NEEDED'
        ? 'PRINT_FORMS_CHANGED'
        : overall,
  };
}

/** Job `broker:check_scans`: the scans received since the last check go to the lender. */
export async function checkOfferScans(
  ctx: AppContext,
  offerId: string,
  attempt: number,
  maxAttempts: number,
) {
  const loaded = await offerRef(ctx, offerId);
  if (!loaded || !['contract_ready', 'signed'].includes(loaded.offer.status)) return;
  const { form } = loaded;
  const { rows } = await ctx.pool.query<{ type: string; mime_type: string; content: Buffer }>(
    `UPDATE broker.scans s SET status = 'CHECKING', updated_at = now() FROM broker.files f
     WHERE s.form_id = $1 AND s.status IN ('RECEIVED_FROM_PARTNER', 'CHECKING') AND f.id = s.file_id
     RETURNING s.type, f.mime_type, f.content`,
    [form.id],
  );
  if (rows.length === 0) return;
  let result: Awaited<ReturnType<ReturnType<typeof loaded.adapter>['checkScans']>>;
  try {
    result = await loaded.adapter().checkScans(
      loaded.ref,
      rows.map((r) => ({ type: r.type, mimeType: r.mime_type, content: r.content })),
    );
  } catch (error) {
    if (error instanceof LenderUnavailable && attempt < maxAttempts) throw error;
    await ctx.pool.query(
      `UPDATE broker.scans SET status = 'RECEIVED_FROM_PARTNER', updated_at = now() WHERE form_id = $1 AND status = 'CHECKING'`,
      [form.id],
    );
    throw error;
  }
  // Print forms the lender re-issued after reading the scans replace the old ones.
  const reissued = [
    ...result.documents,
    ...(
      await renderTemplates(result.templates, storedContractValues(loaded.offer.contract ?? {}, form.guid))
    ).map((r) => ({ ...r, mimeType: 'application/pdf' })),
  ];
  await withTx(ctx.pool, async (tx) => {
    const offer = await offerById(tx, offerId, true);
    if (!offer) return;
    if (reissued.length > 0) {
      await tx.query(`DELETE FROM broker.files WHERE offer_id = $1 AND kind = 'print_form'`, [offer.id]);
      await storePrintForms(tx, form, offer.id, reissued);
      await tx.query(
        `UPDATE broker.offers SET print_forms_changed = true, updated_at = now() WHERE id = $1`,
        [offer.id],
      );
    }
    for (const s of result.scans)
      await tx.query(
        `UPDATE broker.scans SET status = $3, decline_reason = $4, updated_at = now()
         WHERE form_id = $1 AND type = $2 AND status = 'CHECKING'`,
        [form.id, s.type, s.status, s.declineReason ?? null],
      );
    // A scan the lender did not mention stays unchecked, never silently accepted.
    await tx.query(
      `UPDATE broker.scans SET status = 'RECEIVED_FROM_PARTNER', updated_at = now() WHERE form_id = $1 AND status = 'CHECKING'`,
      [form.id],
    );
  });
}
