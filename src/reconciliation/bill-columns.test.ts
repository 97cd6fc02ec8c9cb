// The byte readers of bill-columns.ts against the text rules they stand in for: where a byte
// reader gives a value it is the text rule's value, and the plain forms are always read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalUnits, yuanToFen } from './amounts';
import { BUCKETS, decimalUnitsAt, isWallTimeAt, KeyColumn, yuanFenAt } from './bill-columns';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const amountText = fc.oneof(
  fc.stringMatching(/^-?\d{1,16}(\.\d{0,7})?$/),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1e12, max: 1e12 }).map((fen) => `${fen < 0 ? '-' : ''}${Math.floor(Math.abs(fen) / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`),
);

describe('byte readers', () => {
  it('read a yuan amount as yuanToFen does, and every plain one', () => {
    fc.assert(
      fc.property(amountText, (text) => {
        const fen = yuanFenAt(bytes(text), 0, text.length);
        if (!Number.isNaN(fen)) expect(fen).toBe(yuanToFen(text));
        if (/^-?\d{1,13}(\.\d{1,2})?$/.test(text)) expect(fen).toBe(yuanToFen(text));
      }),
    );
    expect(yuanFenAt(bytes('12.3'), 0, 4)).toBe(1230);
    expect(yuanFenAt(bytes('-0.05'), 0, 5)).toBe(-5);
    expect(yuanFenAt(bytes('12.'), 0, 3)).toBeNaN();
  });

  it('read a 5-decimal fee as decimalUnits does', () => {
    fc.assert(
      fc.property(amountText, (text) => {
        const units = decimalUnitsAt(bytes(text), 0, text.length, 5);
        if (!Number.isNaN(units)) expect(units).toBe(decimalUnits(text, 5));
        if (/^-?\d{1,10}(\.\d{1,5})?$/.test(text)) expect(units).toBe(decimalUnits(text, 5));
      }),
    );
    expect(decimalUnitsAt(bytes('-0.00600'), 0, 8, 5)).toBe(-600);
  });

  it('take a wall time only when it is on the calendar', () => {
    const local = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' '));
    fc.assert(fc.property(local, (text) => isWallTimeAt(bytes(text), 0, 19)));
    for (const bad of ['2021-02-29 10:00:00', '2021-04-31 10:00:00', '2021-01-28 24:00:00', '2021-01-28 17:60:00', '2021-01-28T17:07:11', '2021-1-28 17:07:11 ']) {
      expect(isWallTimeAt(bytes(bad), 0, bad.length)).toBe(false);
    }
    expect(isWallTimeAt(bytes('2024-02-29 23:59:59'), 0, 19)).toBe(true);
  });

  it('holds a key as bytes or as text and finds the two equal', () => {
    const file = Buffer.from('S001,单号', 'utf8');
    const a = new KeyColumn(file, 2);
    expect(a.setBytes(0, 0, 4)).toBe(true);
    expect(a.setBytes(1, 5, file.length)).toBe(false);
    a.setText(1, '单号');
    const b = new KeyColumn(Buffer.alloc(0), 2);
    b.setText(0, 'S001');
    b.setText(1, '单号');
    expect([a.equals(0, b, 0), a.equals(1, b, 1), a.equals(0, b, 1)]).toEqual([true, true, false]);
    expect([a.textAt(0), a.textAt(1)]).toEqual(['S001', '单号']);
  });

  it('groups keyed rows by bucket in row order', () => {
    const file = Buffer.from('A1,B22,,C333', 'latin1');
    const column = new KeyColumn(file, 5);
    column.setBytes(0, 0, 2);
    column.setBytes(1, 3, 6);
    column.setBytes(2, 7, 7);
    column.setBytes(3, 8, 12);
    column.setText(4, '单号');
    const b = column.buckets(5);
    expect(b.first[BUCKETS]).toBe(4);
    const entries = Array.from(b.row, (row, e) => ({ row, bucket: b.first.findLastIndex((f, k) => k < BUCKETS && f <= e), hash: b.hash[e] as number }));
    expect(entries.map((x) => [x.row, column.textAt(x.row)]).sort()).toEqual([[0, 'A1'], [1, 'B22'], [3, 'C333'], [4, '单号']]);
    for (const x of entries) expect([x.bucket, x.hash >>> 0]).toEqual([(column.hash[x.row] as number) >>> 24, column.hash[x.row]]);
    // Within a bucket, entries keep the rows' order.
    for (let e = 1; e < entries.length; e++) if (entries[e]?.bucket === entries[e - 1]?.bucket) expect(entries[e]?.row).toBeGreaterThan(entries[e - 1]?.row as number);
    expect(column.buckets(5)).toBe(b);
  });
});
