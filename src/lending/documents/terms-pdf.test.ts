import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pdfText } from '../../../test/helpers/pdf-text.ts';
import { sha256Hex } from '../../platform/crypto.ts';
import type { IndividualTerms } from './individual-terms.ts';
import { lenderOf } from './lender.ts';
import { renderIndividualTerms, type SignatureProof } from './terms-pdf.ts';

function terms(overrides: Partial<IndividualTerms> = {}): IndividualTerms {
  return {
    lender: lenderOf('main'),
    dealNumber: 'ТСК000157',
    date: '2026-11-20',
    createdAt: new Date('2026-11-20T09:15:00Z'),
    borrower: {
      fullName: 'Иванова Мария Сергеевна',
      birthDate: '1990-05-05',
      passport: '4510666666',
      passportIssueDate: '2010-01-09',
      passportIssuer: 'ОВД Центрального округа',
      registrationAddress: 'Санкт-Петербург, Зеленогорск, Порядковая, д. 11',
      phone: '89117115544',
    },
    amount: 1_000_000n,
    termDays: 30,
    productName: 'До зарплаты',
    dailyRate: '0.8',
    penaltyRateYear: '20',
    pskPercent: '292.000',
    pskAmount: 240_000n,
    penaltyAfterDaily: '0.1',
    capPercent: 130,
    schedule: [
      {
        n: 1,
        dueDate: '2026-12-20',
        principal: 1_000_000n,
        interest: 240_000n,
        total: 1_240_000n,
        principalAfter: 0n,
      },
    ],
    ...overrides,
  };
}

const PROOF: SignatureProof = {
  method: 'sms_code',
  codeHash: 'a'.repeat(64),
  phone: '89117115544',
  signedAt: '2026-11-20T10:00:00.000Z',
  ip: '203.0.113.7',
  documentHash: 'b'.repeat(64),
};

describe('individual terms PDF', () => {
  it('is a PDF with the Cyrillic terms, the ПСК box, the schedule and the cap sentence', async () => {
    const pdf = await renderIndividualTerms(terms());
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.match(pdf.toString('latin1'), /FontFile2/, 'the font is embedded');
    const text = pdfText(pdf);
    assert.match(text, /ПОЛНАЯ СТОИМОСТЬ ЗАЙМА/);
    assert.match(text, /292,000 % годовых/);
    assert.match(text, /2 400,00 ₽/);
    assert.match(text, /Иванова Мария Сергеевна/);
    assert.match(text, /№ ТСК000157 от 20\.11\.2026/);
    assert.match(text, /0,8 % в день \(292 % годовых\)/);
    assert.match(text, /достигнет 130 % суммы предоставленного займа/);
    assert.match(text, /Неустойка 20 % годовых/);
    assert.match(text, /после этого — 0,1 % суммы просроченной задолженности/);
    assert.match(text, /20\.12\.2026/);
    assert.match(text, /12 400,00 ₽/);
    assert.doesNotMatch(text, /Подписано простой электронной подписью/);
  });

  it('prints the cap in force (100 % from 2026-04-01) and every schedule line', async () => {
    const schedule = Array.from({ length: 6 }, (_, i) => ({
      n: i + 1,
      dueDate: `2027-0${i + 1}-15`,
      principal: 1_000_000n,
      interest: 50_000n + BigInt(i),
      total: 1_050_000n + BigInt(i),
      principalAfter: 5_000_000n - 1_000_000n * BigInt(i),
    }));
    const text = pdfText(await renderIndividualTerms(terms({ capPercent: 100, schedule })));
    assert.match(text, /достигнет 100 % суммы/);
    for (const line of schedule)
      assert.ok(text.includes(`${line.dueDate.slice(8)}.${line.dueDate.slice(5, 7)}.2027`));
    assert.match(text, /Итого/);
  });

  it('renders the same bytes for the same terms (the document hash is stable)', async () => {
    const a = await renderIndividualTerms(terms());
    const b = await renderIndividualTerms(terms());
    assert.equal(sha256Hex(a), sha256Hex(b));
    const other = await renderIndividualTerms(terms({ amount: 1_000_100n }));
    assert.notEqual(sha256Hex(a), sha256Hex(other));
  });

  it('the signed copy prints the proof of the simple electronic signature', async () => {
    const text = pdfText(await renderIndividualTerms(terms(), PROOF));
    assert.match(text, /Подписано простой электронной подписью \(АСП\)/);
    assert.ok(text.includes(PROOF.codeHash), 'code hash');
    assert.ok(text.includes(PROOF.documentHash), 'document hash');
    assert.match(text, /89117115544/);
    assert.match(text, /20\.11\.2026 13:00:00 \(МСК\)/);
    assert.match(text, /203\.0\.113\.7/);
    assert.match(text, /Иванова Мария Сергеевна/);
  });
});
