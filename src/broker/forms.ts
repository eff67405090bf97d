import { randomUUID } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import { audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import type { Tx } from '../platform/db/tx.ts';
import { withTx } from '../platform/db/tx.ts';
import { bigintAsString } from '../platform/json.ts';
import { assertFormOpen, ownedForm } from './access.ts';
import { dispatchSoon } from './dispatch.ts';
import { brokerError, validationError } from './errors.ts';
import { storeFile } from './files.ts';
import { findPoint, isPointUser, type Partner } from './partners.ts';
import { routesFor } from './routing.ts';
import { validateForm } from './validation.ts';

/**
 * `create_form`: validates the form for its point's product kind, stores it (encrypted) with one
 * pending row per routed lender in one statement, and hands it to the dispatcher (`dispatch.ts`:
 * the form row is the outbox entry of its collect job). Answers at once; offers arrive through
 * the jobs. Idempotent per (partner,
 * external_id): a repeat with the same content returns the first form_guid.
 */
export async function createForm(
  ctx: AppContext,
  partner: Partner,
  body: Record<string, unknown>,
): Promise<string> {
  const pointCode = body.point_code;
  const point =
    typeof pointCode === 'string' && pointCode !== ''
      ? await findPoint(ctx.pool, partner.id, pointCode)
      : undefined;
  if (!point)
    throw validationError([
      {
        field: 'point_code',
        reason: pointCode ? 'торговая точка не найдена у партнёра' : 'обязательное поле не заполнено',
      },
    ]);
  const kind = point.kind === 'bnpl' ? 'bnpl' : 'pos';
  const offline = point.kind === 'pos_offline';
  const result = validateForm(body, kind, offline);
  const errors = result.ok ? [] : [...result.errors];
  if (kind === 'pos' && typeof body.point_user_code === 'string' && body.point_user_code !== '') {
    if (!(await isPointUser(ctx.pool, point.id, body.point_user_code)))
      errors.push({ field: 'point_user_code', reason: 'оператор не зарегистрирован в торговой точке' });
  }
  if (!result.ok || errors.length > 0) throw validationError(errors);
  const form = result.form;
  const externalId = form.fields.external_id as string;
  // Scans are hashed by content, not by their base64 spelling.
  const requestHash = sha256Hex(
    JSON.stringify(
      { f: form.fields, s: form.scans.map((s) => [s.type, sha256Hex(s.content)]) },
      bigintAsString,
    ),
  );
  const routes = await routesFor(ctx.pool, partner.id, kind);
  const guid = randomUUID();
  const deadline = new Date(Date.now() + partner.offerDeadlineMs);
  const noLenders = routes.length === 0;
  const passport =
    typeof form.fields.passport_series === 'string' && typeof form.fields.passport_number === 'string'
      ? ctx.cipher.lookupHash(`${form.fields.passport_series}${form.fields.passport_number}`)
      : null;
  // The form, its pending lender rows and its audit record in ONE statement (atomic on its own):
  // a repeat of the external_id inserts nothing and is answered from the first form. The audit
  // row is written here rather than by `audit()` to save a round trip per form (same columns).
  const insert = (db: Queryable) =>
    db.query<{ id: bigint }>(
      `WITH f AS (
         INSERT INTO broker.forms (guid, partner_id, point_id, external_id, kind, offline, request_hash, payload_enc,
           passport_hash, phone_enc, amount, initial_payment, term_value, status, offer_status, deadline_at, closed_at,
           dispatched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
         ON CONFLICT (partner_id, external_id) DO NOTHING
         RETURNING id),
       l AS (INSERT INTO broker.form_lenders (form_id, lender_id, status)
         SELECT f.id, unnest($18::bigint[]), 'pending' FROM f),
       a AS (INSERT INTO audit.log (actor_type, actor_id, action, subject_type, subject_id, details)
         SELECT 'partner', $19, 'broker.form.create', 'broker.form', $1, $20::jsonb FROM f)
       SELECT id FROM f`,
      [
        guid,
        partner.id,
        point.id,
        externalId,
        kind,
        offline,
        requestHash,
        ctx.cipher.encrypt(JSON.stringify(form.fields, bigintAsString)),
        passport,
        ctx.cipher.encrypt(form.phone),
        form.amount,
        form.initialPayment,
        form.termValue ?? null,
        noLenders ? 'declined' : 'collecting',
        noLenders ? 'declined' : 'pending',
        deadline,
        // Closed (and so nothing to dispatch) at once when no lender is routed.
        noLenders ? new Date() : null,
        routes.map((r) => String(r.lenderId)),
        partner.guid,
        JSON.stringify({ kind, lenders: routes.map((r) => r.lenderCode) }),
      ],
    );
  try {
    // Offline POS forms carry scans: those rows need the form's id, so they share a transaction.
    const formId =
      form.scans.length === 0
        ? (await insert(ctx.pool)).rows[0]?.id
        : await withTx(ctx.pool, async (tx) => {
            const id = (await insert(tx)).rows[0]?.id;
            if (id !== undefined) for (const scan of form.scans) await saveScanRow(tx, partner.id, id, scan);
            return id;
          });
    if (formId === undefined) return (await replay(ctx, partner.id, externalId, requestHash))!;
    // Lenders are asked by a collect job that the dispatcher enqueues for many forms at once.
    if (!noLenders) dispatchSoon(ctx, formId);
    return guid;
  } catch (error) {
    // A parallel repeat of the same external_id lost the race on the unique key: answer as a replay.
    if ((error as { code?: string }).code === '23505') {
      const again = await replay(ctx, partner.id, externalId, requestHash);
      if (again) return again;
    }
    throw error;
  }
}

async function replay(
  ctx: AppContext,
  partnerId: bigint,
  externalId: string,
  hash: string,
): Promise<string | undefined> {
  const { rows } = await ctx.pool.query<{ guid: string; request_hash: string }>(
    `SELECT guid::text, request_hash FROM broker.forms WHERE partner_id = $1 AND external_id = $2`,
    [partnerId, externalId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.request_hash !== hash)
    throw validationError([
      { field: 'external_id', reason: 'анкета с этим external_id уже принята с другими данными' },
    ]);
  return row.guid;
}

/** Stores a scan's file and makes it the form's current scan of its type. */
export async function saveScanRow(
  tx: Tx,
  partnerId: bigint,
  formId: bigint,
  scan: { type: string; mimeType: string; content: Buffer },
  offerId: bigint | null = null,
): Promise<void> {
  const file = await storeFile(tx, {
    partnerId,
    formId,
    offerId,
    kind: 'scan',
    name: `${scan.type}.${extension(scan.mimeType)}`,
    mimeType: scan.mimeType,
    content: scan.content,
  });
  await tx.query(
    `INSERT INTO broker.scans (form_id, type, file_id, status) VALUES ($1, $2, $3, 'RECEIVED_FROM_PARTNER')
     ON CONFLICT (form_id, type) DO UPDATE SET file_id = excluded.file_id, status = 'RECEIVED_FROM_PARTNER',
       decline_reason = NULL, updated_at = now()`,
    [formId, scan.type, file.id],
  );
}

function extension(mime: string): string {
  return (
    { 'image/jpeg': 'jpg', 'image/png': 'png', 'application/pdf': 'pdf' }[mime] ?? mime.split('/')[1] ?? 'bin'
  );
}

/**
 * `cancel`: any form not yet issued may be cancelled; its open offers end as cancelled and the
 * lenders that saw it are told by a job. An offer already being issued cannot be recalled.
 */
export async function cancelForm(ctx: AppContext, partner: Partner, formGuid: unknown): Promise<void> {
  await withTx(ctx.pool, async (tx) => {
    const form = await ownedForm(tx, partner.id, formGuid, true);
    assertFormOpen(form);
    const { rows: issuing } = await tx.query(
      `SELECT 1 FROM broker.offers WHERE form_id = $1 AND status IN ('issuing', 'issued')`,
      [form.id],
    );
    if (issuing.length > 0) throw brokerError('broker.form_state', 'кредит уже выдаётся, отмена невозможна');
    await tx.query(
      `UPDATE broker.forms SET status = 'cancelled', updated_at = now(), closed_at = coalesce(closed_at, now())
       WHERE id = $1`,
      [form.id],
    );
    await tx.query(
      `UPDATE broker.form_lenders SET status = 'late', detail = 'анкета отменена', answered_at = now()
       WHERE form_id = $1 AND status = 'pending'`,
      [form.id],
    );
    await tx.query(
      `UPDATE broker.offers SET status = 'cancelled', signing_status = 'CANCELED', updated_at = now()
       WHERE form_id = $1 AND status NOT IN ('declined', 'error')`,
      [form.id],
    );
    await enqueue(tx, 'broker:cancel_lenders', { formId: form.id }, { maxAttempts: 10 });
    await audit(tx, {
      actor: { type: 'partner', id: partner.guid },
      action: 'broker.form.cancel',
      subjectType: 'broker.form',
      subjectId: form.guid,
      details: { from: form.status },
    });
  });
}
