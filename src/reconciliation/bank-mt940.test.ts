// MT940: two daily statements as ICBC's host-to-host service sends them, the balance rule, a cut-off
// file, and format → parse on generated statements.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import { parseMt940, wrapMt940Information as wrapInformation } from './bank-mt940';
import type { BankLine, BankStatement } from './types';

const SAMPLE = [
  '{1:F01ICBKCNBJAXXX0000000000}{2:O9401200240302ICBKCNBJAXXX00000000002403021200N}{4:',
  ':20:STMT240301',
  ':25:ICBKCNBJ/0200001234567890123',
  ':28C:61/1',
  ':60F:C240229CNY52340,15',
  ':61:2403010301C12680,50NTRFWX0301SETTLE//ICBC2403010001',
  ':86:WECHAT PAY SETTLEMENT 2024-02-29 MCH 1900012345 TENPAY PAYMENT',
  'TECHNOLOGY CO LTD',
  ':61:2403010301D3500,00NMSCNONREF//ICBC2403010002',
  'RENT MARCH',
  ':86:SHOP RENT MARCH 2024 /NAME/SHENZHEN PROPERTY MGMT CO/REMI/RENT',
  ':61:2403010301C8,20NINTNONREF//ICBC2403010003',
  ':62F:C240301CNY61528,85',
  '-}',
  '{1:F01ICBKCNBJAXXX0000000000}{2:O9401200240303ICBKCNBJAXXX00000000002403031200N}{4:',
  ':20:STMT240302',
  ':25:ICBKCNBJ/0200001234567890123',
  ':28C:62/1',
  ':60F:C240301CNY61528,85',
  ':61:2403020302C1500,NTRFALI0302//ICBC2403020001',
  ':86:166?00GUTSCHRIFT?20ALIPAY SETTLEMENT 2024-03-01?21BATCH 2088',
  '1020304?32ALIPAY (CHINA) NETWORK?33 TECHNOLOGY CO LTD',
  ':61:2403020303D61,85NCHGNONREF//ICBC2403020002',
  ':86:ACCOUNT MAINTENANCE FEE',
  ':62F:C240302CNY62967,00',
  '-}',
].join('\r\n');

describe('parseMt940', () => {
  it('reads two statements with their movements, at the lines they are on', () => {
    const [first, second] = parseMt940(SAMPLE);
    expect(first).toEqual<BankStatement>({
      account: 'ICBKCNBJ/0200001234567890123',
      currency: 'CNY',
      openingFen: 5_234_015,
      closingFen: 6_152_885,
      fromDate: '2024-02-29',
      toDate: '2024-03-01',
      lines: [
        {
          valueDate: '2024-03-01',
          bookingDate: '2024-03-01',
          amountFen: 1_268_050,
          currency: 'CNY',
          counterparty: null,
          reference: 'WX0301SETTLE',
          // The first line is shorter than 65 characters, so the bank broke it at a word.
          description: 'WECHAT PAY SETTLEMENT 2024-02-29 MCH 1900012345 TENPAY PAYMENT TECHNOLOGY CO LTD',
          line: 6,
        },
        {
          valueDate: '2024-03-01',
          bookingDate: '2024-03-01',
          amountFen: -350_000,
          currency: 'CNY',
          counterparty: 'SHENZHEN PROPERTY MGMT CO',
          reference: 'ICBC2403010002',
          description: 'SHOP RENT MARCH 2024 /NAME/SHENZHEN PROPERTY MGMT CO/REMI/RENT',
          line: 9,
        },
        {
          valueDate: '2024-03-01',
          bookingDate: '2024-03-01',
          amountFen: 820,
          currency: 'CNY',
          counterparty: null,
          reference: 'ICBC2403010003',
          description: '',
          line: 12,
        },
      ],
    });
    expect(second?.openingFen).toBe(6_152_885);
    expect(second?.closingFen).toBe(6_296_700);
    expect(second?.lines.map((l) => [l.line, l.amountFen, l.bookingDate])).toEqual([
      [20, 150_000, '2024-03-02'],
      [23, -6_185, '2024-03-03'],
    ]);
  });

  it('takes the counterparty from structured ?32/?33 subfields and keeps the whole text', () => {
    const alipay = parseMt940(SAMPLE)[1]?.lines[0];
    expect(alipay?.counterparty).toBe('ALIPAY (CHINA) NETWORK TECHNOLOGY CO LTD');
    expect(alipay?.description).toBe('166?00GUTSCHRIFT?20ALIPAY SETTLEMENT 2024-03-01?21BATCH 20881020304?32ALIPAY (CHINA) NETWORK?33 TECHNOLOGY CO LTD');
  });

  it('books reversals against the original direction and an entry date across the year end', () => {
    const text = [
      ':20:YEAREND',
      ':25:6222020200001234',
      ':60F:D231229CNY100,00',
      ':61:2312310102RC50,00NTRFWX1231//B1',
      ':61:2312310102RD20,00NTRFWX1231R//B2',
      ':62F:D240102CNY130,00',
      '-',
    ].join('\n');
    const [statement] = parseMt940(text);
    expect(statement?.openingFen).toBe(-10_000);
    expect(statement?.lines.map((l) => [l.valueDate, l.bookingDate, l.amountFen])).toEqual([
      ['2023-12-31', '2024-01-02', -5_000],
      ['2023-12-31', '2024-01-02', 2_000],
    ]);
  });

  it('joins a full 65-character :86: line without a space: the width cut it, not the bank', () => {
    const full = 'ALIPAY SETTLEMENT BATCH 20240301 MERCHANT 2088102030405060 REF 20';
    expect(full).toHaveLength(65);
    const text = [':20:S', ':25:A', ':60F:C240301CNY0,', ':61:240301C1,NTRFR', `:86:${full}`, '240301999 DAILY', ':62F:C240301CNY1,', '-'].join('\n');
    expect(parseMt940(text)[0]?.lines[0]?.description).toBe(`${full}240301999 DAILY`);
  });

  it('names the statement and the closing line when the balances do not add up', () => {
    const error = thrown(() => parseMt940(SAMPLE.replace(':62F:C240302CNY62967,00', ':62F:C240302CNY62967,10')));
    expect(error.code).toBe('BANK_BALANCE_MISMATCH');
    expect(error.message).toContain('Statement "STMT240302" (line 16)');
    expect(error.message).toContain('closing balance on line 25 is 62967.10 (off by 0.10)');
    expect(error.details).toMatchObject({ statement: 'Statement "STMT240302" (line 16)', line: 25, differenceFen: 10 });
  });

  it('refuses a file cut off before the closing balance', () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf(':62F:C240302'));
    const error = thrown(() => parseMt940(cut));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.message).toBe(
      'Statement "STMT240302" (line 16) has no closing balance (:62F:) before the end of the file. The file looks cut off: download the statement again. Nothing was imported.',
    );
  });

  it('names the line of a movement it cannot read', () => {
    const error = thrown(() => parseMt940(SAMPLE.replace(':61:2403010301D3500,00', ':61:2403010301D3500.00')));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.details?.line).toBe(9);
    expect(error.message).toMatch(/^Line 9: the movement :61:2403010301D3500\.00NMSC/);
  });

  it('refuses text with no statement in it', () => {
    expect(thrown(() => parseMt940('hello\n')).code).toBe('BANK_FILE_INVALID');
  });
});

interface GeneratedMovement {
  valueDate: Date;
  bookingShiftDays: number | null;
  mark: 'C' | 'D' | 'RC' | 'RD';
  amountFen: number;
  customerRef: string | null;
  bankRef: string | null;
  description: string | null;
}

interface GeneratedStatement {
  reference: string;
  account: string;
  currency: string;
  openingFen: number;
  movements: GeneratedMovement[];
}

const DAY_MS = 86_400_000;
// Long words force the bank's hard cut at 65 characters; short ones the break at a space.
const word = fc.oneof(fc.stringMatching(/^[A-Za-z0-9.,()]{1,12}$/), fc.stringMatching(/^[A-Za-z0-9.,()]{60,90}$/));
const movement: fc.Arbitrary<GeneratedMovement> = fc.record({
  valueDate: fc.date({ min: new Date('2000-01-05T00:00:00Z'), max: new Date('2099-12-25T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS)),
  bookingShiftDays: fc.option(fc.integer({ min: -3, max: 3 })),
  mark: fc.constantFrom('C', 'D', 'RC', 'RD'),
  amountFen: fc.integer({ min: 0, max: 99_999_999_999 }),
  customerRef: fc.option(fc.stringMatching(/^[A-Z0-9]{1,16}$/).filter((r) => r !== 'NONREF')),
  bankRef: fc.option(fc.stringMatching(/^[A-Z0-9]{1,16}$/)),
  description: fc.option(fc.array(word, { minLength: 1, maxLength: 20 }).map((words) => words.join(' '))),
});
const statement: fc.Arbitrary<GeneratedStatement> = fc.record({
  reference: fc.stringMatching(/^[A-Z0-9]{1,16}$/),
  account: fc.stringMatching(/^[A-Z0-9]{6,30}$/),
  currency: fc.constantFrom('CNY', 'USD', 'EUR'),
  openingFen: fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }),
  movements: fc.array(movement, { maxLength: 8 }),
});

function signedFen(m: GeneratedMovement): number {
  return m.mark === 'C' || m.mark === 'RD' ? m.amountFen : 0 - m.amountFen;
}

/** The test's own writer: the bank's side of the round trip. */
function formatMt940(statements: GeneratedStatement[]): string {
  const yymmdd = (d: Date) => d.toISOString().slice(2, 10).replace(/-/g, '');
  const amount = (fen: number) => `${Math.trunc(Math.abs(fen) / 100)},${String(Math.abs(fen) % 100).padStart(2, '0')}`;
  const balance = (fen: number, date: Date) => `${fen < 0 ? 'D' : 'C'}${yymmdd(date)}`;
  const lines: string[] = [];
  for (const s of statements) {
    const first = s.movements[0]?.valueDate ?? new Date('2024-03-01T00:00:00Z');
    const closingFen = s.movements.reduce((sum, m) => sum + signedFen(m), s.openingFen);
    lines.push(`:20:${s.reference}`, `:25:${s.account}`, ':28C:1/1', `:60F:${balance(s.openingFen, first)}${s.currency}${amount(s.openingFen)}`);
    for (const m of s.movements) {
      const entry = m.bookingShiftDays === null ? '' : yymmdd(new Date(m.valueDate.getTime() + m.bookingShiftDays * DAY_MS)).slice(2);
      lines.push(`:61:${yymmdd(m.valueDate)}${entry}${m.mark}${amount(m.amountFen)}NTRF${m.customerRef ?? 'NONREF'}${m.bankRef ? `//${m.bankRef}` : ''}`);
      if (m.description !== null) {
        const [head = '', ...rest] = wrapInformation(m.description);
        lines.push(`:86:${head}`, ...rest);
      }
    }
    lines.push(`:62F:${balance(closingFen, first)}${s.currency}${amount(closingFen)}`, '-');
  }
  return lines.join('\r\n');
}

describe('formatMt940 → parseMt940', () => {
  it('gives back every amount, date, reference and description', () => {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 3 }), (statements) => {
        const parsed = parseMt940(formatMt940(statements));
        expect(parsed).toHaveLength(statements.length);
        statements.forEach((s, i) => {
          const got = parsed[i];
          expect(got?.account).toBe(s.account);
          expect(got?.openingFen).toBe(s.openingFen);
          expect(got?.closingFen).toBe(s.movements.reduce((sum, m) => sum + signedFen(m), s.openingFen));
          expect(got?.lines.map(({ line: _line, ...rest }) => rest)).toEqual(
            s.movements.map<Omit<BankLine, 'line'>>((m) => ({
              valueDate: m.valueDate.toISOString().slice(0, 10),
              bookingDate: m.bookingShiftDays === null ? null : new Date(m.valueDate.getTime() + m.bookingShiftDays * DAY_MS).toISOString().slice(0, 10),
              amountFen: signedFen(m),
              currency: s.currency,
              counterparty: null,
              reference: m.customerRef ?? m.bankRef,
              description: m.description ?? '',
            })),
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
