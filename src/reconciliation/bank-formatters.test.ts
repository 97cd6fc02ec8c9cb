// The writers the sandboxes use for the merchant's bank statement and the channels' settlement
// files: parse ∘ format = id on generated statements, and bad settlement files named by line.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import { formatMt940, parseMt940 } from './bank-mt940';
import { formatCamt053, parseCamt053 } from './bank-camt053';
import { formatBankCsv, parseBankCsv } from './bank-csv';
import { formatSettlementFile, parseSettlementFile, type SettlementBatch } from './settlement-file';
import type { BankLine, BankStatement } from './types';

const DAY_MS = 86_400_000;
const isoDay = fc.integer({ min: 0, max: 30_000 }).map((n) => new Date(Date.UTC(2000, 0, 1) + n * DAY_MS).toISOString().slice(0, 10));
const text = fc.constantFrom('', '微信支付结算 WX20261130', 'ALIPAY SETTLEMENT 2088', '货款, "特价"', '房租 & 物业 <三月>');
const line = (withBooking: boolean): fc.Arbitrary<Omit<BankLine, 'line' | 'currency' | 'bookingDate'> & { bookingShiftDays: number | null }> =>
  fc.record({
    valueDate: isoDay,
    // MT940's entry date has no year: it is within days of the value date.
    bookingShiftDays: withBooking ? fc.option(fc.integer({ min: -3, max: 3 })) : fc.constant(null),
    amountFen: fc.integer({ min: -9_999_999_999, max: 9_999_999_999 }),
    counterparty: fc.option(fc.constantFrom('财付通支付科技有限公司', '支付宝（中国）网络技术有限公司', 'ACME LTD')),
    reference: fc.option(fc.stringMatching(/^[A-Z0-9]{1,16}$/).filter((r) => r !== 'NONREF')),
    description: text,
  });
const statement = (withBooking: boolean, minLines: number): fc.Arbitrary<BankStatement> =>
  fc
    .record({ account: fc.stringMatching(/^[0-9]{10,19}$/), openingFen: fc.integer({ min: -9_999_999_999, max: 9_999_999_999 }), lines: fc.array(line(withBooking), { minLength: minLines, maxLength: 6 }), from: isoDay, to: isoDay })
    .map(({ account, openingFen, lines, from, to }) => ({
      account,
      currency: 'CNY',
      openingFen,
      closingFen: lines.reduce((sum, l) => sum + l.amountFen, openingFen),
      fromDate: from,
      toDate: to,
      lines: lines.map(({ bookingShiftDays, ...l }, i) => ({
        ...l,
        bookingDate: bookingShiftDays === null ? null : new Date(Date.parse(l.valueDate) + bookingShiftDays * DAY_MS).toISOString().slice(0, 10),
        currency: 'CNY',
        line: i,
      })),
    }));
const withoutLine = (s: BankStatement) => ({ ...s, lines: s.lines.map(({ line: _line, ...rest }) => rest) });

describe('bank statement writers', () => {
  it('MT940: parse ∘ format gives the statement back; a counterparty travels as /NAME/ text', () => {
    fc.assert(
      fc.property(statement(true, 0), (s) => {
        const plain = { ...s, lines: s.lines.map((l) => ({ ...l, counterparty: null, description: l.description.replace(/[<>&"]/g, '') })) };
        expect(parseMt940(formatMt940([plain], 'STMT1')).map(withoutLine)).toEqual([withoutLine(plain)]);
      }),
      { numRuns: 200 },
    );
    const [parsed] = parseMt940(
      formatMt940([{ account: 'ICBKCNBJ/6222', currency: 'CNY', openingFen: 0, closingFen: 5000, fromDate: '2026-11-30', toDate: '2026-12-01', lines: [{ valueDate: '2026-12-01', bookingDate: null, amountFen: 5000, currency: 'CNY', counterparty: 'TENPAY', reference: 'WX20261130', description: 'WECHAT PAY SETTLEMENT', line: 0 }] }], 'S1'),
    );
    expect(parsed?.lines[0]).toMatchObject({ counterparty: 'TENPAY', reference: 'WX20261130', description: '/NAME/TENPAY/REMI/WECHAT PAY SETTLEMENT', line: 5 });
  });

  it('camt.053: parse ∘ format gives the statement back, XML special characters included', () => {
    fc.assert(
      fc.property(statement(true, 0), (s) => {
        const got = parseCamt053(formatCamt053([s], { messageId: 'M1', createdAt: '2026-12-01T06:00:00+08:00' }));
        expect(got.map(withoutLine)).toEqual([withoutLine(s)]);
      }),
      { numRuns: 200 },
    );
  });

  it('ICBC CSV in GBK: parse ∘ format gives the statement back (dates span the lines, balances run)', () => {
    fc.assert(
      fc.property(statement(false, 1), (s) => {
        const dates = s.lines.map((l) => l.valueDate).sort();
        const ordered = { ...s, fromDate: dates[0] ?? null, toDate: dates[dates.length - 1] ?? null, lines: [...s.lines].sort((a, b) => a.valueDate.localeCompare(b.valueDate)) };
        expect(withoutLine(parseBankCsv(formatBankCsv(ordered), 'icbc'))).toEqual(withoutLine(ordered));
      }),
      { numRuns: 200 },
    );
  });
});

describe('settlement file', () => {
  const batch: SettlementBatch = { channel: 'wechat', merchantId: '10000100', businessDate: '2026-11-30', settleDate: '2026-12-01', batchId: 'WX20261130', count: 3, grossFen: 3_580, feeFen: 18, refundFen: 500, netFen: 3_062, line: 3 };

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: -9_999, max: 99_999 }), fc.integer({ min: 0, max: 9_999_999 }), (grossFen, feeFen, refundFen) => {
        const b = { ...batch, grossFen, feeFen, refundFen, netFen: grossFen - feeFen - refundFen };
        expect(parseSettlementFile(formatSettlementFile([b, { ...b, channel: 'alipay', batchId: 'AP1', line: 4 }]))).toEqual([b, { ...b, channel: 'alipay', batchId: 'AP1', line: 4 }]);
      }),
    );
  });

  it('refuses a row that does not add up, naming its line and the figures', () => {
    const bad = Buffer.from(formatSettlementFile([batch, { ...batch, batchId: 'WX2', line: 4 }]).toString('utf8').replace('35.80,0.18,5.00,30.62\n' + 'wechat', '35.80,0.18,5.00,30.62\nwechat').replace(/30\.62\n$/, '30.61\n'));
    expect(thrown(() => parseSettlementFile(bad))).toMatchObject({ code: 'SETTLEMENT_FILE_INVALID', message: expect.stringMatching(/^Line 4: net 30\.61 is not gross 35\.80 − fees 0\.18 − refunds 5\.00 = 30\.62/) });
    expect(thrown(() => parseSettlementFile(Buffer.from('channel,x\n')))).toMatchObject({ code: 'SETTLEMENT_FILE_INVALID', details: { line: 1 } });
    const cut = Buffer.from(formatSettlementFile([batch]).toString('utf8').replace(/,30\.62\n$/, '\n'));
    expect(thrown(() => parseSettlementFile(cut))).toMatchObject({ message: expect.stringMatching(/^Line 3: the row has 9 columns/) });
  });
});
