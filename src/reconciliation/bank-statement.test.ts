// The entry point: each format found by its content, whatever encoding the bank used.
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { thrown } from '../platform/testing/thrown';
import { detectBankStatementFormat, parseBankStatement } from './bank-statement';

const MT940 = [':20:STMT240301', ':25:ICBKCNBJ/0200001234567890123', ':60F:C240229CNY100,00', ':61:2403010301C20,00NTRFWX0301//B1', ':86:微信支付结算', ':62F:C240301CNY120,00', '-'].join('\r\n');

const CAMT = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>S1</Id>
<Acct><Id><Othr><Id>755912345610801</Id></Othr></Id></Acct>
<Ntry><Amt Ccy="CNY">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-03-01</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>`;

const CSV = ['账号：755912345610801', '交易日,收入,支出,余额,交易类型', '20240301,"1,000.00",,"1,000.00",转账汇款'].join('\r\n');

describe('parseBankStatement', () => {
  it('finds MT940 by its :20: field, even in GBK', () => {
    const bytes = iconv.encode(MT940, 'gbk');
    expect(detectBankStatementFormat(bytes)).toBe('mt940');
    const [statement] = parseBankStatement(bytes, 'auto');
    expect(statement?.lines.map((l) => [l.amountFen, l.description, l.line])).toEqual([[2_000, '微信支付结算', 4]]);
  });

  it('finds camt.053 by its namespace', () => {
    const bytes = Buffer.from(CAMT, 'utf8');
    expect(detectBankStatementFormat(bytes)).toBe('camt053');
    expect(parseBankStatement(bytes, 'auto')[0]?.lines.map((l) => [l.amountFen, l.line])).toEqual([[100, 4]]);
  });

  it('reads anything else as a CSV export of the chosen bank', () => {
    const bytes = iconv.encode(CSV, 'gbk');
    expect(detectBankStatementFormat(bytes)).toBe('csv');
    expect(parseBankStatement(bytes, 'auto', 'cmb')).toEqual([
      {
        account: '755912345610801',
        currency: 'CNY',
        openingFen: 0,
        closingFen: 100_000,
        fromDate: '2024-03-01',
        toDate: '2024-03-01',
        lines: [{ valueDate: '2024-03-01', bookingDate: null, amountFen: 100_000, currency: 'CNY', counterparty: null, reference: null, description: '转账汇款', line: 3 }],
      },
    ]);
  });

  it('asks for the bank when a CSV comes without a profile', () => {
    const error = thrown(() => parseBankStatement(Buffer.from(CSV, 'utf8'), 'csv'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('choose the bank it comes from');
  });

  it('refuses XML that is not a camt.053 statement instead of reading it as CSV', () => {
    const xml = Buffer.from('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>', 'utf8');
    const error = thrown(() => parseBankStatement(xml, 'auto'));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.message).toContain('namespace: urn:iso:std:iso:20022:tech:xsd:camt.054.001.02');
  });

  it('uses the format it is told', () => {
    expect(thrown(() => parseBankStatement(Buffer.from(CAMT, 'utf8'), 'mt940')).code).toBe('BANK_FILE_INVALID');
  });
});
