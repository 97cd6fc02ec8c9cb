// Catalog CSV: what store staff send from Excel (GBK or UTF-8, Chinese or English headers) and
// what they get back, with every problem reported at the line Excel and Notepad show.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { AppError } from '../platform/errors';
import { normalizeGtin, withCheckDigit } from './barcode';
import { decodeText, formatCatalogCsv, parseCatalogCsv, type CsvLineError } from './catalog-csv';
import type { SkuInput } from './types';

const HEADER = '货号,名称,单位,分类,售价,进价,条码,PLU,状态,组合';

function csv(lines: string[], eol = '\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol, 'utf8');
}

/** Runs the parser expecting it to refuse the file, and returns the AppError. */
function refusal(bytes: Buffer): AppError {
  try {
    parseCatalogCsv(bytes);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

function problems(error: AppError): CsvLineError[] {
  return (error.details?.errors ?? []) as CsvLineError[];
}

const cola: SkuInput = {
  code: 'P000001',
  name: '可口可乐 330ml',
  unit: 'piece',
  categoryCode: '0101',
  priceFen: 350,
  costFen: 210,
  plu: null,
  barcodes: ['6901234567892'],
  active: true,
  components: [],
};

describe('parseCatalogCsv', () => {
  it('reads a file with Chinese headers', () => {
    const rows = parseCatalogCsv(
      csv([
        HEADER,
        'P000001,可口可乐 330ml,件,0101,3.50,2.10,6901234567892,,启用,',
        'P000002,红富士苹果,千克,0201,12.8,8,,00123,停用,',
        'B000001,可乐两瓶装,个,0101,6,,,,,P000001*2',
      ]),
    );
    expect(rows).toEqual([
      cola,
      { code: 'P000002', name: '红富士苹果', unit: 'kg', categoryCode: '0201', priceFen: 1280, costFen: 800, plu: '00123', barcodes: [], active: false, components: [] },
      { code: 'B000001', name: '可乐两瓶装', unit: 'piece', categoryCode: '0101', priceFen: 600, costFen: 0, plu: null, barcodes: [], active: true, components: [{ skuCode: 'P000001', qty: 2 }] },
    ]);
  });

  it('reads English headers in any case and order, ignores unknown columns and takes the aliases', () => {
    const rows = parseCatalogCsv(
      csv([
        ' Price ,CODE,Name,Unit,Category,Stock on hand,Cost,Barcodes,plu,Active,Components',
        '3.50,P000001,可口可乐 330ml,PCS,0101,48,2.10,6901234567892 ; 96385074|036000291452,,yes,',
        '12.80,P000002,红富士苹果,kg,0201,,,,,0,',
        '9.90,B000001,Combo,piece,0101,,,,,TRUE,P000001 * 2; P000002*500',
      ]),
    );
    expect(rows.map((r) => [r.code, r.unit, r.priceFen, r.costFen, r.barcodes, r.active, r.components])).toEqual([
      ['P000001', 'piece', 350, 210, ['6901234567892', '96385074', '036000291452'], true, []],
      ['P000002', 'kg', 1280, 0, [], false, []],
      ['B000001', 'piece', 990, 0, [], true, [{ skuCode: 'P000001', qty: 2 }, { skuCode: 'P000002', qty: 500 }]],
    ]);
    // The other Chinese spellings: 分类编码, 成本, 公斤.
    const [apple] = parseCatalogCsv(csv(['货号,名称,单位,分类编码,售价,成本', 'P2,苹果,公斤,02,9.99,5.5']));
    expect(apple).toMatchObject({ unit: 'kg', categoryCode: '02', priceFen: 999, costFen: 550 });
  });

  it('reads a GBK file as Excel on Chinese Windows saves it', () => {
    const text = [HEADER, 'P000001,可口可乐 330ml,件,0101,3.50,2.10,6901234567892,,启用,'].join('\r\n') + '\r\n';
    expect(parseCatalogCsv(iconv.encode(text, 'gbk'))).toEqual([cola]);
  });

  it('accepts a BOM, CRLF, trailing empty lines, and a header with no rows', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(parseCatalogCsv(Buffer.concat([bom, csv([HEADER, 'P000001,可口可乐 330ml,件,0101,3.50,2.10,6901234567892,,,', '', '', ''], '\r\n')]))).toEqual([cola]);
    expect(parseCatalogCsv(csv([HEADER]))).toEqual([]);
    expect(parseCatalogCsv(Buffer.from(HEADER))).toEqual([]);
  });

  it('names the first problem and its line, as the user sees it in Excel', () => {
    const error = refusal(csv([HEADER, 'P000001,可乐,件,0101,3.50,,,,,', 'P000002,雪碧,件,0101,12.345,,,,,']));
    expect(error.code).toBe('CSV_INVALID');
    expect(error.message).toBe(
      'Line 3, price: "12.345" is not a yuan amount like 12.34 (at most two decimals). Fix the file and import it again; nothing was imported.',
    );
    expect(problems(error)).toEqual([{ line: 3, field: 'price', message: '"12.345" is not a yuan amount like 12.34 (at most two decimals).' }]);
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('counts physical lines across a quoted multi-line name (%s)', (_name, eol) => {
    const error = refusal(
      csv(
        [
          HEADER,
          `P000001,"可口可乐${eol}330ml ""经典"",罐装",件,0101,3.50,,,,,`, // lines 2–3
          '',
          'P000002,雪碧,件,0101,abc,,,,,', // line 5
          `P000003,"芬达${eol}${eol}橙味",盒,0101,3,,,,,`, // lines 6–8, bad unit
          'P000004,美年达,件,0101,-1,,,,,', // line 9
        ],
        eol,
      ),
    );
    expect(problems(error).map((p) => [p.line, p.field])).toEqual([
      [5, 'price'],
      [6, 'unit'],
      [9, 'price'],
    ]);
    expect(error.message).toMatch(/^Line 5, price: "abc" is not a yuan amount .* There are 2 more problems\. Fix the file/);
  });

  it('collects every problem in the file, not just the first', () => {
    const error = refusal(
      csv([
        HEADER,
        'P 1,,斤,,,-2,6901234567890,123,constructor,P2*0',
        `P000002,${'长'.repeat(121)},件,0101,1000000.01,,6.90123E+12,,,P000002*1`,
        'P000003,苹果,千克,0201,5,,,,,P4*1|P4*2|P5',
      ]),
    );
    expect(problems(error).map((p) => `${p.line} ${p.field}`)).toEqual([
      '2 code', // "P 1" has a space
      '2 name', // empty
      '2 unit', // 斤 is not a unit we sell by
      '2 category', // empty
      '2 price', // empty
      '2 cost', // negative
      '2 barcodes', // wrong check digit
      '2 plu', // Excel dropped the zeros
      '2 active',
      '2 components', // quantity 0
      '3 name', // 121 characters
      '3 price', // over ¥1,000,000
      '3 barcodes', // scientific notation from Excel
      '3 components', // contains itself
      '4 components', // P4 twice
      '4 components', // no quantity
    ]);
    expect(problems(error).find((p) => p.line === 3 && p.field === 'barcodes')?.message).toMatch(/Excel turned into a number/);
    expect(problems(error).find((p) => p.field === 'plu')?.message).toMatch(/exactly 5 digits like 00123/);
  });

  it('keeps the first 50 problems and counts the rest', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `P${i},名称,件,01,x,,,,,`);
    const error = refusal(csv([HEADER, ...rows]));
    expect(problems(error)).toHaveLength(50);
    expect(problems(error).at(-1)?.line).toBe(51);
    expect(error.details?.errorCount).toBe(60);
    expect(error.message).toMatch(/There are 59 more problems\./);
  });

  it('names every missing required column and refuses a column given twice', () => {
    const missing = refusal(csv(['货号,名称,售价,备注', 'P1,可乐,3,']));
    expect(problems(missing).map((p) => [p.line, p.field])).toEqual([
      [1, 'unit'],
      [1, 'category'],
    ]);
    expect(missing.message).toBe('Line 1, unit: the header has no unit column. Add a column named "单位" or "unit". There is 1 more problem. Fix the file and import it again; nothing was imported.');

    const twice = refusal(csv(['货号,名称,单位,分类,售价,进价,成本', 'P1,可乐,件,01,3,1,1']));
    expect(problems(twice)).toEqual([{ line: 1, field: 'cost', message: 'two columns mean the same thing: "进价" and "成本". Keep one of them.' }]);
  });

  it('refuses duplicate codes, barcodes and PLUs, naming the line they were first used on', () => {
    const error = refusal(
      csv([
        HEADER,
        'P000001,可乐,件,0101,3,,6901234567892|036000291452,00001,,',
        'P000002,雪碧,件,0101,3,,96385074,00002,,',
        'P000001,可乐 again,件,0101,3,,6901234567892,00001,,', // line 4: code, barcode and PLU taken
        'P000003,芬达,件,0101,3,,0036000291452,,,', // line 5: the EAN-13 form of line 2's UPC-A
        'P000004,美年达,件,0101,3,,96385074 96385074,,,', // line 6: twice in its own cell, and line 3's
      ]),
    );
    expect(problems(error)).toEqual([
      { line: 4, field: 'code', message: 'code P000001 is already used on line 2; each code can belong to one SKU only.' },
      { line: 4, field: 'barcodes', message: 'barcode 6901234567892 is already used on line 2; each barcode can belong to one SKU only.' },
      { line: 4, field: 'plu', message: 'PLU 00001 is already used on line 2; each PLU can belong to one SKU only.' },
      { line: 5, field: 'barcodes', message: 'barcode 0036000291452 is already used as 036000291452 on line 2; each barcode can belong to one SKU only.' },
      { line: 6, field: 'barcodes', message: '"96385074" is listed twice.' },
      { line: 6, field: 'barcodes', message: 'barcode 96385074 is already used on line 3; each barcode can belong to one SKU only.' },
    ]);
  });

  it('refuses a value past the last column, which an unquoted comma causes', () => {
    const error = refusal(csv(['货号,名称,单位,分类,售价', 'P1,可乐,330ml,件,0101,3.50']));
    expect(problems(error)).toEqual([
      { line: 2, field: null, message: 'the line has 6 values but the header has 5 columns. Put quotes around values that contain a comma.' },
    ]);
    expect(error.message).toMatch(/^Line 2: the line has 6 values/);
  });

  it('points at the line where an unclosed quote starts', () => {
    for (const eol of ['\n', '\r\n']) {
      const error = refusal(csv([HEADER, `P1,"可乐${eol}罐装",件,01,3,,,,,`, 'P2,"雪碧,件,01,3,,,,,', 'P3,芬达,件,01,3,,,,,'], eol));
      expect(error.code).toBe('CSV_INVALID');
      expect(problems(error)).toEqual([{ line: 4, field: null, message: expect.stringMatching(/never closed/) }]);
    }
    expect(problems(refusal(csv([HEADER, 'P1,可乐 12"屏,件,01,3,,,,,'])))[0]).toMatchObject({ line: 2, field: null });
  });

  it('refuses an empty file and a file over 20 MB', () => {
    expect(problems(refusal(Buffer.alloc(0)))).toEqual([{ line: 1, field: null, message: `the file is empty. The first line must be the header: ${HEADER}.` }]);
    expect(refusal(Buffer.from('\n\r\n\n')).code).toBe('CSV_INVALID');
    const large = refusal(Buffer.alloc(20 * 1024 * 1024 + 1, 0x20));
    expect(large.code).toBe('CSV_TOO_LARGE');
    expect(large.status).toBe(413);
  });
});

describe('formatCatalogCsv', () => {
  it('writes UTF-8 with a BOM, Chinese headers, yuan with two decimals and quotes where needed', () => {
    const bytes = formatCatalogCsv([
      cola,
      { ...cola, code: 'P000002', name: '雪碧, "柠檬味"\n330ml', unit: 'kg', priceFen: 1280, costFen: 0, plu: '00123', barcodes: ['96385074', '036000291452'], active: false },
      { ...cola, code: 'B000001', name: '两瓶装', barcodes: [], components: [{ skuCode: 'P000001', qty: 2 }, { skuCode: 'P000002', qty: 500 }] },
    ]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8')).toBe(
      `${HEADER}\r\n` +
        'P000001,可口可乐 330ml,件,0101,3.50,2.10,6901234567892,,启用,\r\n' +
        'P000002,"雪碧, ""柠檬味""\n330ml",千克,0101,12.80,0.00,96385074|036000291452,00123,停用,\r\n' +
        'B000001,两瓶装,件,0101,3.50,2.10,,,启用,P000001*2|P000002*500\r\n',
    );
  });

  it('guards against formula injection and strips exactly that guard on import', () => {
    const rows: SkuInput[] = [
      { ...cola, code: 'P1', name: '=HYPERLINK("http://evil.example","点我")', categoryCode: '+A1+A2' },
      { ...cola, code: 'P2', name: '@SUM(A1:A9)', categoryCode: '-A1', barcodes: [] },
      { ...cola, code: '-5', name: "'=already quoted", categoryCode: '-5', barcodes: [] },
      { ...cola, code: 'P4', name: "'Tis the season", barcodes: [], components: [{ skuCode: '-X', qty: 1 }] },
    ];
    const text = decodeText(formatCatalogCsv(rows)).text;
    expect(text.split('\r\n').slice(1, -1)).toEqual([
      `P1,"'=HYPERLINK(""http://evil.example"",""点我"")",件,'+A1+A2,3.50,2.10,6901234567892,,启用,`,
      `P2,'@SUM(A1:A9),件,'-A1,3.50,2.10,,,启用,`,
      // A plain number is not a formula, so -5 stays as it is.
      `-5,''=already quoted,件,-5,3.50,2.10,,,启用,`,
      `P4,''Tis the season,件,0101,3.50,2.10,,,启用,'-X*1`,
    ]);
    expect(parseCatalogCsv(formatCatalogCsv(rows))).toEqual(rows);
    // A hand-typed leading ' that guards nothing is part of the value.
    expect(parseCatalogCsv(csv([HEADER, "P1,'Tis,件,01,3,,,,,"]))[0]?.name).toBe("'Tis");
  });

  it('round-trips through GBK, as after opening and saving in Excel on Chinese Windows', () => {
    const rows: SkuInput[] = [cola, { ...cola, code: 'P000002', name: '红富士苹果（特级）', unit: 'kg', barcodes: [], plu: '00123', active: false }];
    const gbk = iconv.encode(decodeText(formatCatalogCsv(rows)).text, 'gbk');
    expect(decodeText(gbk).encoding).toBe('gb18030');
    expect(parseCatalogCsv(gbk)).toEqual(rows);
  });
});

describe('decodeText', () => {
  it('takes UTF-8 when the bytes are UTF-8, dropping a BOM, and GB18030 otherwise', () => {
    expect(decodeText(Buffer.from('\uFEFF货号,名称', 'utf8'))).toEqual({ text: '货号,名称', encoding: 'utf-8' });
    expect(decodeText(Buffer.from('code,name'))).toEqual({ text: 'code,name', encoding: 'utf-8' });
    expect(decodeText(iconv.encode('货号,名称,单位', 'gbk'))).toEqual({ text: '货号,名称,单位', encoding: 'gb18030' });
    // Characters outside GBK (a rare surname character) still decode, from GB18030's four-byte range.
    expect(decodeText(iconv.encode('𠀀,䶮', 'gb18030'))).toEqual({ text: '𠀀,䶮', encoding: 'gb18030' });
  });
});

describe('parseCatalogCsv ∘ formatCatalogCsv', () => {
  const code = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
  // Values the file format must survive: separators, quotes, line breaks, formula starts, Chinese.
  const tricky = fc.constantFrom('=', '+', '-', '@', "'", ',', '"', '\n', '\r\n', '\r', ' ', '|', '*', '苹', '果', '¥', '𠀀');
  const text = (maxPieces: number) =>
    fc
      .array(fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), { minLength: 1, maxLength: maxPieces })
      .map((pieces) => pieces.join(''))
      .filter((value) => value !== '' && value.trim() === value);
  const barcode = fc.oneof(fc.stringMatching(/^\d{7}$/), fc.stringMatching(/^\d{11}$/), fc.stringMatching(/^\d{12}$/)).map(withCheckDigit);
  const yuanFen = fc.integer({ min: 0, max: 100_000_000 });
  const sku: fc.Arbitrary<SkuInput> = fc.record({
    code,
    name: text(60),
    unit: fc.constantFrom('piece' as const, 'kg' as const),
    categoryCode: text(16),
    priceFen: yuanFen,
    costFen: yuanFen,
    plu: fc.option(fc.stringMatching(/^\d{5}$/), { nil: null }),
    barcodes: fc.array(barcode, { maxLength: 3 }),
    active: fc.boolean(),
    components: fc.uniqueArray(fc.record({ skuCode: code, qty: fc.integer({ min: 1, max: 999_999_999 }) }), { selector: (c) => c.skuCode, maxLength: 3 }),
  });
  /** Makes generated rows a valid file: barcodes and PLUs unique, no bundle containing itself. */
  function validFile(rows: SkuInput[]): SkuInput[] {
    const taken = new Set<string>();
    const claim = (key: string) => !taken.has(key) && Boolean(taken.add(key));
    return rows.map((row) => ({
      ...row,
      barcodes: row.barcodes.filter((b) => claim(`barcode:${normalizeGtin(b)}`)),
      plu: row.plu !== null && claim(`plu:${row.plu}`) ? row.plu : null,
      components: row.components.filter((c) => c.skuCode !== row.code),
    }));
  }

  it('gives back exactly the rows that were written', () => {
    fc.assert(
      fc.property(fc.uniqueArray(sku, { selector: (row) => row.code, maxLength: 12 }).map(validFile), (rows) => {
        expect(parseCatalogCsv(formatCatalogCsv(rows))).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
