import { enqueue } from '../jobs/queue.ts';
import { audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { assertFormOpen, formById, offerById, offerOfForm, ownedForm } from './access.ts';
import { offerRef } from './contracts.ts';
import { brokerError } from './errors.ts';
import { adapterFor, loadLender } from './lenders/registry.ts';
import { assertHasContract } from './offers.ts';
import type { Partner } from './partners.ts';
import { overallScansStatus, scanRows } from './scans.ts';

/**
 * `confirm_contract`: the partner's final confirmation. The contract must be signed (7004) and
 * the scans accepted: 7005 while the lender is still checking them, 7004 when some are missing,
 * need a rescan or were declined. The lender issues in a job.
 */
export async function confirmContract(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
) {
  await withTx(ctx.pool, async (tx) => {
    const form = await ownedForm(tx, partner.id, formGuid, true);
    const offer = await offerOfForm(tx, form, offerGuid, true);
    assertFormOpen(form);
    assertHasContract(offer);
    if (offer.status === 'issuing') return; // a repeat of the same confirmation
    if (offer.status === 'confirmed' || offer.status === 'contract_ready')
      throw brokerError('broker.contract_confirm', 'договор не подписан клиентом');
    if (offer.status !== 'signed') throw brokerError('broker.offer_state', 'предложение не в том статусе');
    if (offer.print_forms_changed)
      throw brokerError(
        'broker.contract_confirm',
        'печатные формы изменились: получите договор заново (get_contract)',
      );
    const scans = overallScansStatus((await scanRows(tx, form.id)).map((r) => r.status));
    if (scans === 'CHECKING' || scans === 'RECEIVED_FROM_PARTNER')
      throw brokerError('broker.scans_checking', 'проверка сканов в процессе');
    if (scans !== 'ACCEPTED')
      throw brokerError('broker.contract_confirm', `сканы не приняты кредитором (статус ${scans})`);
    await tx.query(
      `UPDATE broker.offers SET status = 'issuing', issue_status = 'pending', updated_at = now() WHERE id = $1`,
      [offer.id],
    );
    await enqueue(tx, 'broker:issue', { offerId: offer.id }, { maxAttempts: 10 });
    await audit(tx, {
      actor: { type: 'partner', id: partner.guid },
      action: 'broker.contract.confirm',
      subjectType: 'broker.offer',
      subjectId: offer.guid,
    });
  });
}

/** Job `broker:issue`. */
export async function issueCredit(ctx: AppContext, offerId: string) {
  const loaded = await offerRef(ctx, offerId);
  if (loaded?.offer.status !== 'issuing') return;
  const result = await loaded.adapter().issue(loaded.ref);
  await withTx(ctx.pool, async (tx) => {
    const offer = await offerById(tx, offerId, true);
    if (offer?.status !== 'issuing') return;
    const done = result.status === 'done';
    await tx.query(
      `UPDATE broker.offers SET status = $2, issue_status = $3, issue_detail = $4, updated_at = now() WHERE id = $1`,
      [
        offerId,
        done ? 'issued' : 'declined',
        done ? 'done' : 'declined',
        result.status === 'declined' ? result.reason : null,
      ],
    );
    await tx.query(`UPDATE broker.forms SET status = $2, updated_at = now() WHERE id = $1`, [
      offer.form_id,
      done ? 'issued' : 'issue_declined',
    ]);
    // The lenders whose offers were not taken forget the application (their approvals lapse).
    if (done)
      await enqueue(
        tx,
        'broker:cancel_lenders',
        { formId: offer.form_id, keepLenderId: offer.lender_id },
        { maxAttempts: 10 },
      );
  });
}

/** `get_issue_status`: before confirmation it says what is still needed. */
export async function getIssueStatus(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
) {
  const form = await ownedForm(ctx.pool, partner.id, formGuid);
  const offer = await offerOfForm(ctx.pool, form, offerGuid);
  if (offer.issue_status) return { issue_status: offer.issue_status };
  if (offer.status === 'cancelled' || offer.status === 'declined') return { issue_status: 'declined' };
  if (offer.status === 'error') return { issue_status: 'error' };
  const scans = overallScansStatus((await scanRows(ctx.pool, form.id)).map((r) => r.status));
  if (offer.status === 'contract_ready') return { issue_status: 'signing_needed' };
  if (scans === 'RESCAN_NEEDED') return { issue_status: 'rescan_needed' };
  return { issue_status: 'pending' };
}

/**
 * Job `broker:cancel_lenders`: every lender that saw a cancelled form is told to forget it; for
 * an issued form (`keepLenderId`, the issuing lender) the other lenders that made offers are.
 */
export async function cancelAtLenders(ctx: AppContext, formId: string, keepLenderId?: string) {
  const form = await formById(ctx.pool, formId);
  if (form?.status !== (keepLenderId === undefined ? 'cancelled' : 'issued')) return;
  const { rows } = await ctx.pool.query<{ lender_id: bigint }>(
    `SELECT lender_id FROM broker.form_lenders
     WHERE form_id = $1 AND status IN ('offered', 'late', 'pending') AND ($2::bigint IS NULL OR lender_id <> $2)
     ORDER BY lender_id`,
    [formId, keepLenderId ?? null],
  );
  for (const r of rows) {
    const lender = await loadLender(ctx.pool, r.lender_id);
    const { rows: offers } = await ctx.pool.query<{ lender_offer_id: string }>(
      `SELECT lender_offer_id FROM broker.offers WHERE form_id = $1 AND lender_id = $2 AND status <> 'offered' LIMIT 1`,
      [formId, r.lender_id],
    );
    await adapterFor(ctx, lender).cancel({
      applicationId: form.guid,
      ...(offers[0] ? { lenderOfferId: offers[0].lender_offer_id } : {}),
    });
  }
}
