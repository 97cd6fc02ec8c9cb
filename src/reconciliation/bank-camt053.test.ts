// camt.053: a day's statement with a batch booking split into its transactions, a pending entry,
// the balance rule, and the XML the parser must refuse.
import { describe, expect, it } from 'vitest';
import { thrown } from '../platform/testing/thrown';
import { parseCamt053 } from './bank-camt053';
import type { BankStatement } from './types';

const SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr>
      <MsgId>CMB20240302000001</MsgId>
      <CreDtTm>2024-03-02T06:00:00+08:00</CreDtTm>
    </GrpHdr>
    <Stmt>
      <Id>STMT-20240301</Id>
      <CreDtTm>2024-03-02T06:00:00+08:00</CreDtTm>
      <FrToDt><FrDtTm>2024-03-01T00:00:00+08:00</FrDtTm><ToDtTm>2024-03-01T23:59:59+08:00</ToDtTm></FrToDt>
      <Acct>
        <Id><Othr><Id>755912345610801</Id></Othr></Id>
        <Ccy>CNY</Ccy>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="CNY">20000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2024-03-01</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="CNY">24350.40</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2024-03-01</Dt></Dt>
      </Bal>
      <!-- <Ntry> a commented-out entry takes no line -->
      <Ntry>
        <Amt Ccy="CNY">5000.40</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2024-03-01</Dt></BookgDt>
        <ValDt><Dt>2024-03-01</Dt></ValDt>
        <AcctSvcrRef>CMB240301000123</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>
        <NtryDtls>
          <Btch><NbOfTxs>2</NbOfTxs></Btch>
          <TxDtls>
            <Refs><EndToEndId>WX-SETTLE-0229</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="CNY">3200.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>财付通支付科技有限公司</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>微信支付结算 2024-02-29</Ustrd><Ustrd>商户号 1900012345</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>CMB240301000124</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="CNY">1800.40</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>支付宝（中国）网络技术有限公司</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>支付宝结算 &amp; 退款冲抵</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">650.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2024-03-01</Dt></BookgDt>
        <ValDt><Dt>2024-03-01</Dt></ValDt>
        <AcctSvcrRef>CMB240301000200</AcctSvcrRef>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>RENT-202403</EndToEndId></Refs>
            <RltdPties><Cdtr><Nm>深圳市某某物业管理有限公司</Nm></Cdtr></RltdPties>
            <RmtInf><Ustrd>三月物业费</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="CNY">999.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>PDNG</Sts>
        <BookgDt><Dt>2024-03-02</Dt></BookgDt>
        <AddtlNtryInf>待清算</AddtlNtryInf>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;

describe('parseCamt053', () => {
  it('splits a batch booking into one line per TxDtls and skips pending entries', () => {
    expect(parseCamt053(SAMPLE)).toEqual<BankStatement[]>([
      {
        account: '755912345610801',
        currency: 'CNY',
        openingFen: 2_000_000,
        closingFen: 2_435_040,
        fromDate: '2024-03-01',
        toDate: '2024-03-01',
        lines: [
          {
            valueDate: '2024-03-01',
            bookingDate: '2024-03-01',
            amountFen: 320_000,
            currency: 'CNY',
            counterparty: '财付通支付科技有限公司',
            reference: 'WX-SETTLE-0229',
            description: '微信支付结算 2024-02-29 商户号 1900012345',
            line: 29,
          },
          {
            valueDate: '2024-03-01',
            bookingDate: '2024-03-01',
            amountFen: 180_040,
            currency: 'CNY',
            counterparty: '支付宝（中国）网络技术有限公司',
            // NOTPROVIDED is no reference: the bank's own one is used instead.
            reference: 'CMB240301000124',
            description: '支付宝结算 & 退款冲抵',
            line: 29,
          },
          {
            valueDate: '2024-03-01',
            bookingDate: '2024-03-01',
            amountFen: -65_000,
            currency: 'CNY',
            counterparty: '深圳市某某物业管理有限公司',
            reference: 'RENT-202403',
            description: '三月物业费',
            line: 53,
          },
        ],
      },
    ]);
  });

  it('reads namespace prefixes, IBAN accounts and camt.053.001.08 amounts and parties', () => {
    const xml = `<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><c:BkToCstmrStmt><c:Stmt>
<c:Id>S8</c:Id><c:Acct><c:Id><c:IBAN>DE89370400440532013000</c:IBAN></c:Id></c:Acct>
<c:Ntry><c:Amt Ccy="EUR">10.00</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts><c:BookgDt><c:DtTm>2024-03-01T09:30:00+01:00</c:DtTm></c:BookgDt>
<c:NtryDtls><c:TxDtls><c:Amt Ccy="EUR">10.00</c:Amt><c:RltdPties><c:Cdtr><c:Pty><c:Nm>Müller &amp; Söhne</c:Nm></c:Pty></c:Cdtr></c:RltdPties></c:TxDtls></c:NtryDtls></c:Ntry>
</c:Stmt></c:BkToCstmrStmt></c:Document>`;
    const [statement] = parseCamt053(xml);
    expect(statement).toMatchObject({ account: 'DE89370400440532013000', currency: 'EUR', openingFen: null, closingFen: null });
    expect(statement?.lines).toEqual([
      { valueDate: '2024-03-01', bookingDate: '2024-03-01', amountFen: -1_000, currency: 'EUR', counterparty: 'Müller & Söhne', reference: null, description: '', line: 3 },
    ]);
  });

  it('names the statement when opening + entries ≠ closing', () => {
    const error = thrown(() => parseCamt053(SAMPLE.replace('<Amt Ccy="CNY">24350.40</Amt>', '<Amt Ccy="CNY">24350.00</Amt>')));
    expect(error.code).toBe('BANK_BALANCE_MISMATCH');
    expect(error.message).toContain('Statement "STMT-20240301" (line 8) does not add up: opening balance 20000.00 + movements 4350.40 = 24350.40, but the closing balance');
    expect(error.details).toMatchObject({ differenceFen: -40 });
  });

  it('refuses a batch whose transactions do not add up to the entry', () => {
    const error = thrown(() => parseCamt053(SAMPLE.replace('<Amt Ccy="CNY">1800.40</Amt>', '<Amt Ccy="CNY">1800.00</Amt>')));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.message).toBe(
      "Line 29: the entry's 2 transactions (TxDtls) add up to 5000.00 but the entry says 5000.40. The statement contradicts itself: ask the bank for a corrected one. Nothing was imported.",
    );
  });

  it('keeps a batch as one line when its transactions have no amounts', () => {
    const xml = SAMPLE.replace('<AmtDtls><TxAmt><Amt Ccy="CNY">1800.40</Amt></TxAmt></AmtDtls>', '');
    const lines = parseCamt053(xml)[0]?.lines ?? [];
    expect(lines.map((l) => [l.amountFen, l.counterparty, l.reference, l.line])).toEqual([
      [500_040, null, 'CMB240301000123', 29],
      [-65_000, '深圳市某某物业管理有限公司', 'RENT-202403', 53],
    ]);
  });

  it('refuses a DOCTYPE before reading anything', () => {
    const xml = SAMPLE.replace('<Document', '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Document');
    const error = thrown(() => parseCamt053(xml));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.details?.line).toBe(2);
    expect(error.message).toMatch(/^Line 2: the XML declares a DOCTYPE/);
  });

  it('names the line where a cut-off file stops being XML', () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf('<Ntry>\n        <Amt Ccy="CNY">650.00'));
    const error = thrown(() => parseCamt053(cut));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.message).toMatch(/^Line \d+: the XML is not well formed/);
  });

  it('says so when the XML is a camt.054 notification', () => {
    const xml = '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/></Document>';
    expect(thrown(() => parseCamt053(xml)).message).toContain('The XML is a camt.054 notification');
  });
});
