import { randomUUID } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import { audit } from '../platform/audit.ts';
import { Batcher, rowRefusalOrLockOrder } from '../platform/batcher.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import type { Pool, Queryable } from '../platform/db/pool.ts';
import type { Tx } from '../platform/db/tx.ts';
import { withTx } from '../platform/db/tx.ts';
import { firstsByKey, unnestColumns } from '../platform/db/unnest.ts';
import { bigintAsString } from '../platform/json.ts';
import { PerPool } from '../platform/per-pool.ts';
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
  const row: NewForm = {
    guid,
    partnerId: partner.id,
    pointId: point.id,
    externalId,
    kind,
    offline,
    requestHash,
    payloadEnc: ctx.cipher.encrypt(JSON.stringify(form.fields, bigintAsString)),
    passportHash: passport,
    phoneEnc: ctx.cipher.encrypt(form.phone),
    amount: form.amount,
    initialPayment: form.initialPayment,
    termValue: form.termValue ?? null,
    status: noLenders ? 'declined' : 'collecting',
    offerStatus: noLenders ? 'declined' : 'pending',
    deadline,
    // Closed (and so nothing to dispatch) at once when no lender is routed.
    closedAt: noLenders ? new Date() : null,
    lenderIds: routes.map((r) => r.lenderId),
    partnerGuid: partner.guid,
    auditDetails: JSON.stringify({ kind, lenders: routes.map((r) => r.lenderCode) }),
  };
  try {
    // Offline POS forms carry scans: those rows need the form's id, so they share a transaction.
    const formId =
      form.scans.length === 0
        ? await formInserter(ctx.pool).submit(row)
        : await withTx(ctx.pool, async (tx) => {
            const id = await insertForm(tx, row);
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

/** A form's row as create_form stores it, with its pending lenders and its audit record. */
interface NewForm {
  guid: string;
  partnerId: bigint;
  pointId: bigint;
  externalId: string;
  kind: string;
  offline: boolean;
  requestHash: string;
  payloadEnc: string;
  passportHash: string | null;
  phoneEnc: string;
  amount: bigint;
  initialPayment: bigint | null;
  termValue: number | null;
  status: string;
  offerStatus: string;
  deadline: Date;
  closedAt: Date | null;
  lenderIds: bigint[];
  partnerGuid: string;
  auditDetails: string;
}

function formValues(f: NewForm): unknown[] {
  return [
    f.guid,
    f.partnerId,
    f.pointId,
    f.externalId,
    f.kind,
    f.offline,
    f.requestHash,
    f.payloadEnc,
    f.passportHash,
    f.phoneEnc,
    f.amount,
    f.initialPayment,
    f.termValue,
    f.status,
    f.offerStatus,
    f.deadline,
    f.closedAt,
  ];
}

// The form, its pending lender rows and its audit record in ONE statement (atomic on its own): a
// repeat of the external_id inserts nothing and is answered from the first form. The audit row is
// written here rather than by `audit()` to save a round trip per form (same columns).
const FORM_COLUMNS = `guid, partner_id, point_id, external_id, kind, offline, request_hash, payload_enc,
  passport_hash, phone_enc, amount, initial_payment, term_value, status, offer_status, deadline_at, closed_at,
  dispatched_at`;
const LENDERS_AND_AUDIT = `l AS (INSERT INTO broker.form_lenders (form_id, lender_id, status)
    SELECT f.id, unnest(string_to_array(x.lenders, ',')::bigint[]), 'pending' FROM f JOIN x ON x.guid = f.guid),
  a AS (INSERT INTO audit.log (actor_type, actor_id, action, subject_type, subject_id, details)
    SELECT 'partner', x.actor, 'broker.form.create', 'broker.form', f.guid::text, x.details FROM f JOIN x ON x.guid = f.guid)`;

/** One form (the scans' transaction, a lone request): its id, undefined for a repeat. */
async function insertForm(db: Queryable, f: NewForm): Promise<bigint | undefined> {
  return (await insertForms(db, [f]))[0];
}

/**
 * Many forms in one statement and one commit, as concurrent create_form requests share it
 * (src/platform/batcher.ts): each form's id, undefined for a repeat of a stored external_id or
 * of an earlier form of the batch (the caller answers it from the stored row). Rows go in
 * (partner, external_id) order, so two batches with a common key wait, never deadlock.
 */
async function insertForms(db: Queryable, forms: NewForm[]): Promise<(bigint | undefined)[]> {
  const key = (f: NewForm) => `${f.partnerId}:${f.externalId}`;
  const firsts = firstsByKey(forms, key);
  const sorted = [...firsts.values()];
  const { rows: inserted } = await db.query<{ id: bigint; guid: string }>({
    name: 'broker.create_forms',
    text: `WITH f AS (
         INSERT INTO broker.forms (${FORM_COLUMNS})
         SELECT g, p, pt, e, k, o, h, pe, ph, fe, am, ip, tv, st, os, dl, ca, ca
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::boolean[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::int[], $14::text[], $15::text[],
           $16::timestamptz[], $17::timestamptz[]) AS v(g, p, pt, e, k, o, h, pe, ph, fe, am, ip, tv, st, os, dl, ca)
         ON CONFLICT (partner_id, external_id) DO NOTHING
         RETURNING id, guid),
       x AS (SELECT * FROM unnest($1::uuid[], $18::text[], $19::text[], $20::jsonb[]) AS x(guid, lenders, actor, details)),
       ${LENDERS_AND_AUDIT}
       SELECT id, guid::text AS guid FROM f`,
    values: [
      ...unnestColumns(sorted.map(formValues), 17),
      sorted.map((f) => f.lenderIds.join(',')),
      sorted.map((f) => f.partnerGuid),
      sorted.map((f) => f.auditDetails),
    ],
  });
  const ids = new Map(inserted.map((r) => [r.guid, r.id]));
  return forms.map((f) => (firsts.get(key(f)) === f ? ids.get(f.guid) : undefined));
}

const inserters = new PerPool<Batcher<NewForm, bigint | undefined>>();

/**
 * Concurrent create_form requests share one INSERT and one commit (as BNPL inits and wallet
 * creates do): a lone form goes out at once; under load up to 32 a statement, 4 at a time. An
 * error that concerns one row (a value the table refuses, a lock-order failure) sends the
 * batch's forms one by one, each getting its own answer.
 */
function formInserter(pool: Pool): Batcher<NewForm, bigint | undefined> {
  return inserters.of(
    pool,
    () =>
      new Batcher({
        many: (forms) => insertForms(pool, forms),
        single: (form) => insertForm(pool, form),
        oneByOne: rowRefusalOrLockOrder,
        inFlight: 4,
        maxBatch: 32,
      }),
  );
}

/** Statements concurrent create_form requests shared and the forms in them (tests, diagnostics). */
export function formInsertStats(pool: Pool): { batches: number; items: number } {
  const { batches, items } = formInserter(pool).stats;
  return { batches, items };
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
