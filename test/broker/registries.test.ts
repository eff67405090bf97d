import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { LenderUnavailable } from '../../src/broker/lenders/adapter.ts';
import { HttpLender } from '../../src/broker/lenders/http-lender.ts';
import { fillTemplate, htmlBlocks, renderPdf } from '../../src/broker/print-forms.ts';
import { generateRegistries, listRegistries, registryFile, toCsv } from '../../src/broker/registries.ts';
import { formOffers, listForms } from '../../src/broker/staff.ts';
import { type Harness, POS_PRODUCT, posForm, startHarness } from './harness.ts';

describe('broker registries, print forms and the lender protocol', () => {
  let h: Harness;
  const received: unknown[] = [];
  const sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('{}');
    });
  });
  before(async () => {
    h = await startHarness({
      deadlineMs: 2000,
      lenders: [
        {
          kinds: ['pos'],
          config: {
            code: 'reg-bank',
            secret: 'sr',
            delayMs: [5, 10],
            products: [POS_PRODUCT('r6', 6, 100, '12')],
          },
        },
      ],
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    await h.db.ctx.pool.query(`UPDATE broker.partners SET registry_url = $1`, [
      `http://127.0.0.1:${(sink.address() as AddressInfo).port}/registry`,
    ]);
  });
  after(async () => {
    sink.close();
    await h.close();
  });

  it('builds CSV and XLSX per partner and per lender, idempotently, and delivers them', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await h.call(
        'create_form',
        posForm('p1', 'online', {
          amount: 1_000_000 + i,
          items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'x', price: 1_000_000 + i }],
        }),
      );
      assert.equal(r.status, 'success', r.error_message);
    }
    await h.waitFor('offers', async () => {
      const { rows } = await h.db.ctx.pool.query(`SELECT 1 FROM broker.forms WHERE status = 'collecting'`);
      return rows.length === 0 ? true : undefined;
    });
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(await generateRegistries(h.db.ctx, today), 4);
    assert.equal(await generateRegistries(h.db.ctx, today), 4, 'a rerun replaces, never duplicates');
    const list = (await listRegistries(h.db.ctx.pool, today)) as {
      id: bigint;
      owner_type: string;
      format: string;
      rows: number;
      delivered_at: Date | null;
    }[];
    assert.equal(list.length, 4);
    assert.ok(list.every((r) => r.rows === 3));
    assert.ok(list.filter((r) => r.owner_type === 'partner').every((r) => r.delivered_at !== null));
    assert.equal(received.length, 2);
    const csv = await registryFile(
      h.db.ctx.pool,
      list.find((r) => r.owner_type === 'lender' && r.format === 'csv')!.id,
    );
    const text = csv!.content.toString('utf8');
    assert.ok(text.startsWith('\ufeffАнкета;'));
    assert.match(text, /;10000\.01;|;10000\.02;/, 'exact roubles');
    const xlsx = await registryFile(h.db.ctx.pool, list.find((r) => r.format === 'xlsx')!.id);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx!.content as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    assert.equal(sheet.rowCount, 4);
    assert.equal(sheet.getRow(1).getCell(1).value, 'Анкета');
    assert.equal(await generateRegistries(h.db.ctx, '2001-01-01'), 0);
    // The staff services behind the console's forms screen.
    const forms = (await listForms(h.db.ctx.pool, { partnerGuid: 'p1', limit: 2 })) as {
      guid: string;
      lenders: { lender: string; status: string }[];
    }[];
    assert.equal(forms.length, 2);
    assert.deepEqual(forms[0]!.lenders, [{ lender: 'reg-bank', status: 'offered', detail: null }]);
    const offers = (await formOffers(h.db.ctx.pool, forms[0]!.guid)) as { lender: string; status: string }[];
    assert.deepEqual(
      offers.map((o) => [o.lender, o.status]),
      [['reg-bank', 'offered']],
    );
    assert.equal((await listForms(h.db.ctx.pool, { partnerGuid: 'nobody' })).length, 0);
  });

  it('neutralises spreadsheet formulas in CSV cells', () => {
    const row = Object.fromEntries(
      [
        'form_guid',
        'external_id',
        'partner',
        'point',
        'lender',
        'created_at',
        'kind',
        'amount',
        'form_status',
        'lender_status',
        'offers',
        'chosen_offer',
        'credit_amount',
        'issue_status',
      ].map((k) => [k, '']),
    );
    const csv = toCsv([{ ...row, external_id: '=HYPERLINK("x")', amount: '-5.00' } as never]).toString(
      'utf8',
    );
    assert.match(csv, /;"'=HYPERLINK\(""x""\)";/);
    assert.match(csv, /;-5\.00;/);
  });

  it('renders lender HTML templates to PDF with the values escaped', async () => {
    const html = fillTemplate('<h1>Договор № {{number}}</h1><p>Сумма: {{amount}}</p><script>x()</script>', {
      number: '<b>7</b>',
      amount: '1 000,00 ₽',
    });
    assert.deepEqual(htmlBlocks(html), [
      { kind: 'h1', text: 'Договор № <b>7</b>' },
      { kind: 'p', text: 'Сумма: 1 000,00 ₽' },
    ]);
    const pdf = await renderPdf(html, 'Договор');
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.match(pdf.toString('latin1'), /DejaVuSans/);
  });

  it('signs requests; a lender rejecting the signature or timing out is reported as such', async () => {
    const url = h.sims['reg-bank']!.url;
    const forged = new HttpLender({ baseUrl: url, secret: 'not-the-secret', timeoutMs: 1000 });
    await assert.rejects(forged.cancel({ applicationId: 'x' }), /HTTP 401/);
    const ok = new HttpLender({ baseUrl: url, secret: 'sr', timeoutMs: 1000 });
    await ok.cancel({ applicationId: 'x' });
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const slow = new HttpLender({
        baseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
        secret: 's',
        timeoutMs: 100,
      });
      await assert.rejects(slow.cancel({ applicationId: 'x' }), (e) => e instanceof LenderUnavailable);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});
