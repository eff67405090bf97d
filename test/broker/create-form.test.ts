import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRODUCT_CATEGORIES, RELATION_TYPE, SCAN_TYPES } from '../../src/broker/dictionaries.ts';
import { FORM_FIELDS } from '../../src/broker/form-fields.ts';
import { formInsertStats } from '../../src/broker/forms.ts';
import { validateForm } from '../../src/broker/validation.ts';
import {
  ADDRESS,
  bnplForm,
  type Harness,
  JPEG,
  OFFLINE_SCANS,
  PNG,
  POS_PRODUCT,
  posForm,
  startHarness,
} from './harness.ts';

const PASSPORT = ['passport_series', 'passport_number', 'passport_division_code', 'passport_issue_date'];
const ADDRESS_FIELDS = [
  'registration_address_string',
  'registration_address',
  'residence_address_string',
  'residence_address',
];

function without(body: Record<string, unknown>, fields: string[]) {
  const copy = { ...body };
  for (const f of fields) delete copy[f];
  return copy;
}

function badFields(result: ReturnType<typeof validateForm>): string[] {
  return result.ok ? [] : result.errors.map((e) => e.field).sort();
}

describe('create_form validation (no database)', () => {
  it('applies the requiredness matrix: pos/bnpl x 40 000 roubles x address forms', () => {
    const bnplBare = without(bnplForm('p', 'x'), [...PASSPORT, ...ADDRESS_FIELDS]);
    // bnpl at or under 40 000 roubles: no passport, no address.
    for (const amount of [2_000_000, 4_000_000])
      assert.deepEqual(badFields(validateForm({ ...bnplBare, amount }, 'bnpl', false)), [], String(amount));
    // Over 40 000: the four passport fields and both address strings (an Address object alone is not enough).
    assert.deepEqual(
      badFields(
        validateForm({ ...bnplBare, amount: 4_000_001, registration_address: ADDRESS }, 'bnpl', false),
      ),
      [...PASSPORT, 'registration_address_string', 'residence_address_string'].sort(),
    );
    const bnplFull = {
      ...bnplBare,
      amount: 4_000_001,
      passport_series: '4510',
      passport_number: '123456',
      passport_division_code: '770001',
      passport_issue_date: '2010-05-20',
      registration_address_string: 'Москва',
      residence_address_string: 'Москва',
    };
    assert.deepEqual(badFields(validateForm(bnplFull, 'bnpl', false)), []);
    // pos: passport always; each address as a string or an Address, either one is enough.
    const pos = posForm('p', 'x');
    const posBare = without(pos, ADDRESS_FIELDS);
    assert.deepEqual(badFields(validateForm(posBare, 'pos', false)), ADDRESS_FIELDS.slice().sort());
    for (const [reg, res] of [
      [{ registration_address_string: 'Москва' }, { residence_address_string: 'Москва' }],
      [{ registration_address: ADDRESS }, { residence_address: ADDRESS }],
      [
        { registration_address: ADDRESS, registration_address_string: 'Москва' },
        { residence_address: ADDRESS },
      ],
    ])
      assert.deepEqual(
        badFields(validateForm({ ...posBare, ...reg, ...res }, 'pos', false)),
        [],
        JSON.stringify(reg),
      );
    for (const amount of [1_000_000, 9_000_000])
      assert.deepEqual(
        badFields(
          validateForm(
            { ...without(pos, PASSPORT), amount, items: [{ ...(pos.items[0] as object), price: amount }] },
            'pos',
            false,
          ),
        ),
        PASSPORT.slice().sort(),
      );
    // Scans only for offline pos, and then the three main ones.
    assert.deepEqual(badFields(validateForm(pos, 'pos', true)), ['scans']);
    assert.deepEqual(badFields(validateForm({ ...pos, scans: OFFLINE_SCANS.slice(0, 2) }, 'pos', true)), [
      'scans',
    ]);
    assert.deepEqual(badFields(validateForm({ ...pos, scans: OFFLINE_SCANS }, 'pos', true)), []);
    assert.deepEqual(badFields(validateForm(pos, 'pos', false)), []);
  });

  it('names every missing pos field at once, and only pos fields for bnpl', () => {
    const posRequired = FORM_FIELDS.filter((f) =>
      f.required?.({ kind: 'pos', offline: false, over: false, has: () => false }),
    ).map((f) => f.name);
    const result = validateForm({}, 'pos', false);
    assert.deepEqual(badFields(result), posRequired.slice().sort());
    assert.ok(posRequired.includes('employer_scope') && posRequired.includes('relation_persons'));
    const bnpl = badFields(validateForm({}, 'bnpl', false));
    assert.ok(
      !bnpl.includes('employer_scope') && !bnpl.includes('passport_series') && bnpl.includes('email'),
    );
  });

  it('accepts every listed value of every enum and refuses others', () => {
    const base = posForm('p', 'x');
    let checked = 0;
    for (const field of FORM_FIELDS) {
      if (field.type.t !== 'enum') continue;
      for (const value of field.type.values) {
        const result = validateForm({ ...base, [field.name]: value }, 'pos', false);
        assert.ok(result.ok, `${field.name}=${value}: ${badFields(result)}`);
        checked++;
      }
      const bad = validateForm({ ...base, [field.name]: 'NOT_A_VALUE' }, 'pos', false);
      assert.ok(
        !bad.ok &&
          bad.errors[0]!.field === field.name &&
          bad.errors[0]!.reason.includes(field.type.values[0]!),
        field.name,
      );
    }
    assert.ok(checked > 200, `every value of the ${checked} enum values`);
    for (const [group, categories] of Object.entries(PRODUCT_CATEGORIES))
      for (const category of categories)
        assert.ok(
          validateForm(
            { ...base, items: [{ group, category, description: 'x', price: 5_000_000 }] },
            'pos',
            false,
          ).ok,
          `${group}/${category}`,
        );
    const mismatch = validateForm(
      { ...base, items: [{ group: 'PHONES', category: 'RINGS', description: 'x', price: 1 }] },
      'pos',
      false,
    );
    assert.deepEqual(badFields(mismatch), ['items[0].category']);
    for (const type of RELATION_TYPE)
      assert.ok(
        validateForm({ ...base, relation_persons: [{ type, mobile_phone: '+79160000000' }] }, 'pos', false)
          .ok,
        type,
      );
    for (const type of SCAN_TYPES)
      assert.ok(
        validateForm(
          {
            ...base,
            scans: [
              ...OFFLINE_SCANS.filter((s) => s.type !== type),
              { type, mime_type: 'image/png', base64: PNG },
            ],
          },
          'pos',
          true,
        ).ok,
        type,
      );
    assert.ok(
      validateForm({ ...base, gender: 'М' }, 'pos', false).ok,
      'the Cyrillic М printed in the document',
    );
  });

  it('checks types, formats and nested objects with a reason per field', () => {
    const base = posForm('p', 'x');
    const result = validateForm(
      {
        ...base,
        amount: 100.5,
        initial_payment: '12.50',
        term_value: 0,
        life_insurance: 'yes',
        mobile_phone: '12345',
        birth_date: '2015-02-30',
        passport_series: '45 1',
        email: 'nope',
        registration_address: { ...ADDRESS, region_code: 'семьдесят семь', house: undefined },
        relation_persons: [{ type: 'COUSIN' }],
        items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'x', price: -5 }],
        bnpl_unknown_field: 'ignored',
      },
      'pos',
      false,
    );
    assert.deepEqual(badFields(result), [
      'amount',
      'birth_date',
      'email',
      'initial_payment',
      'items[0].price',
      'life_insurance',
      'mobile_phone',
      'passport_series',
      'registration_address.house',
      'registration_address.region_code',
      'relation_persons[0].mobile_phone',
      'relation_persons[0].type',
      'term_value',
    ]);
    const bnplItem = validateForm(
      {
        ...bnplForm('p', 'x'),
        items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'x', price: 100 }],
      },
      'bnpl',
      false,
    );
    assert.deepEqual(badFields(bnplItem), ['items[0].storage_unit', 'items[0].vendor_code']);
    const minor = validateForm(
      { ...base, birth_date: new Date(Date.now() - 17 * 365 * 86_400_000).toISOString().slice(0, 10) },
      'pos',
      false,
    );
    assert.deepEqual(badFields(minor), ['birth_date']);
  });

  it('checks scans: Base64, MIME type against the content, size', () => {
    const base = posForm('p', 'x');
    const scans = (s: object) =>
      validateForm(
        { ...base, scans: [...OFFLINE_SCANS.slice(1), { type: 'PASSPORT_MAIN', ...s }] },
        'pos',
        true,
      );
    assert.deepEqual(badFields(scans({ mime_type: 'image/png', base64: JPEG })), ['scans[2].mime_type']);
    assert.deepEqual(
      badFields(
        scans({
          mime_type: 'image/jpeg',
          base64: Buffer.from('MZ\x90\x00 not a picture').toString('base64'),
        }),
      ),
      ['scans[2].mime_type'],
    );
    assert.deepEqual(badFields(scans({ mime_type: 'image/jpeg', base64: '%%%not base64%%%' })), [
      'scans[2].base64',
    ]);
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(5 * 1024 * 1024)]).toString(
      'base64',
    );
    assert.deepEqual(badFields(scans({ mime_type: 'image/jpeg', base64: big })), ['scans[2].base64']);
    assert.ok(
      scans({ mime_type: 'image/jpg', base64: `data:image/jpeg;base64,${JPEG}` }).ok,
      'aliases and data URLs',
    );
    assert.deepEqual(
      badFields(validateForm({ ...base, scans: [...OFFLINE_SCANS, OFFLINE_SCANS[0]] }, 'pos', true)),
      ['scans[3].type'],
    );
  });
});

describe('create_form over HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 2000,
      second: true,
      lenders: [
        {
          kinds: ['pos', 'bnpl'],
          config: { code: 'l1', secret: 's1', delayMs: [5, 10], products: [POS_PRODUCT('x', 6, 100, '12')] },
        },
      ],
    });
  });
  after(() => h.close());

  it('answers 2000 listing every bad field, in the envelope', async () => {
    const r = await h.call('create_form', {
      ...posForm('p1', 'online'),
      amount: 'много',
      email: undefined,
      gender: 'X',
    });
    assert.equal(r.status, 'error');
    assert.equal(r.error_code, 2000);
    const errors = r.data.errors as { field: string; reason: string }[];
    assert.deepEqual(errors.map((e) => e.field).sort(), ['amount', 'email', 'gender']);
    assert.match(
      r.error_message!,
      /amount: .*; gender: допустимые значения: M, F, М; email: обязательное поле для pos/,
    );
  });

  it('checks the token, its partner_guid, the point and the operator', async () => {
    const body = posForm('p1', 'online');
    assert.equal((await h.call('create_form', body, 'wrong')).error_code, 1001);
    assert.equal((await h.call('create_form', body, 'token-2')).error_code, 1003);
    const noToken = await h.app.inject({ method: 'POST', url: '/dp/create_form', payload: body });
    assert.equal(noToken.statusCode, 401);
    assert.equal(noToken.json().status, 'error');
    const p2point = await h.call('create_form', { ...body, point_code: 'nowhere' });
    assert.deepEqual(
      (p2point.data.errors as { field: string }[]).map((e) => e.field),
      ['point_code'],
    );
    const stranger = await h.call('create_form', { ...body, point_user_code: 'intruder' });
    assert.deepEqual(
      (stranger.data.errors as { field: string }[]).map((e) => e.field),
      ['point_user_code'],
    );
    const unknownMethod = await h.call('make_coffee', body);
    assert.equal(unknownMethod.error_code, 1404);
  });

  it('is idempotent per (partner, external_id), also under parallel repeats', async () => {
    const body = posForm('p1', 'online');
    const answers = await Promise.all(Array.from({ length: 6 }, () => h.call('create_form', body)));
    const guids = new Set(answers.map((a) => a.data.form_guid));
    assert.equal(guids.size, 1, JSON.stringify(answers.map((a) => a.error_message)));
    const { rows } = await h.db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM broker.forms WHERE external_id = $1`,
      [body.external_id],
    );
    assert.equal(rows[0].n, 1);
    const changed = await h.call('create_form', { ...body, amount: 4_900_000 });
    assert.equal(changed.error_code, 2000);
    assert.match(changed.error_message!, /external_id/);
    // Another partner may use the same external_id for its own form.
    const theirs = await h.call('create_form', { ...body, partner_guid: 'p2' }, 'token-2');
    assert.equal(theirs.status, 'success');
    assert.notEqual(theirs.data.form_guid, answers[0]!.data.form_guid);
  });

  it('a burst of creates shares statements: each new form gets its lenders and audit row, each repeat the first guid', async () => {
    const bodies = Array.from({ length: 12 }, (_, k) =>
      posForm('p1', 'online', { amount: 5_000_000 + k * 100 }),
    );
    const before = formInsertStats(h.db.ctx.pool);
    // Twelve new forms and, in the same burst, a repeat of three of them.
    const answers = await Promise.all(
      [...bodies, ...bodies.slice(0, 3)].map((b) => h.call('create_form', b)),
    );
    const stats = formInsertStats(h.db.ctx.pool);
    assert.ok(stats.items - before.items >= 8, `forms shared statements: ${JSON.stringify(stats)}`);
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 'success'),
    );
    const guids = answers.map((a) => a.data.form_guid as string);
    assert.equal(new Set(guids.slice(0, 12)).size, 12);
    assert.deepEqual(guids.slice(12), guids.slice(0, 3));
    const { rows } = await h.db.ctx.pool.query<{
      guid: string;
      external_id: string;
      amount: string;
      lenders: number;
      audits: number;
    }>(
      `SELECT f.guid::text AS guid, f.external_id, f.amount::text AS amount,
         (SELECT count(*)::int FROM broker.form_lenders fl WHERE fl.form_id = f.id) AS lenders,
         (SELECT count(*)::int FROM audit.log a WHERE a.subject_type = 'broker.form' AND a.subject_id = f.guid::text) AS audits
       FROM broker.forms f WHERE f.guid = ANY($1::uuid[])`,
      [guids.slice(0, 12)],
    );
    assert.equal(rows.length, 12);
    const byExternal = new Map(rows.map((r) => [r.external_id, r]));
    for (const [k, b] of bodies.entries()) {
      const row = byExternal.get(b.external_id as string)!;
      assert.equal(row.guid, guids[k], 'each request is answered with its own form');
      assert.equal(row.amount, String(5_000_000 + k * 100), 'each form keeps its own fields');
      assert.ok(row.lenders > 0);
      assert.equal(row.audits, 1);
    }
  });

  it('publishes every method of the document in its OpenAPI description', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/denimhub/json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const methods = Object.keys(doc.paths).map((p) => p.replace('/dp/', ''));
    assert.deepEqual(methods.sort(), [
      'cancel',
      'check_sms_code',
      'confirm_contract',
      'confirm_offer',
      'create_form',
      'get_contract',
      'get_file',
      'get_issue_status',
      'get_offers',
      'get_payment_status',
      'get_scans_status',
      'get_signing_status',
      'resend_sms_code',
      'save_scans',
      'send_sms_link',
    ]);
    const body = doc.paths['/dp/create_form'].post.requestBody.content['application/json'].schema;
    assert.ok(body.properties.card_issuing_bank.enum.includes('VNESHTEORGBANK'));
    assert.ok(body.properties.items.items.properties.category.enum.includes('CHAINS_AND_BRACELETS'));
    assert.match(doc.info.description, /Authorization: Bearer/);
  });

  it('keeps the passport encrypted and the scans of an offline form', async () => {
    const r = await h.call('create_form', posForm('p1', 'offline', { scans: OFFLINE_SCANS }));
    assert.equal(r.status, 'success', r.error_message);
    const { rows } = await h.db.ctx.pool.query<{ payload_enc: string; n: number }>(
      `SELECT payload_enc, (SELECT count(*)::int FROM broker.scans s WHERE s.form_id = f.id) AS n FROM broker.forms f WHERE guid = $1`,
      [r.data.form_guid],
    );
    assert.doesNotMatch(rows[0]!.payload_enc, /123456|Иванов/);
    assert.equal(rows[0]!.n, 3);
    assert.equal(JSON.parse(h.db.ctx.cipher.decrypt(rows[0]!.payload_enc)).passport_number, '123456');
    const missing = await h.call('create_form', posForm('p1', 'offline'));
    assert.deepEqual(
      (missing.data.errors as { field: string }[]).map((e) => e.field),
      ['scans'],
    );
  });
});
