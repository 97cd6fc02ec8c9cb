import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { decodeText } from '../catalog/catalog-csv';

describe('decodeText on GBK bills', () => {
  it('gives the text iconv-lite gives, for any GBK text (the bills are read through it)', () => {
    const gbkText = fc.array(fc.oneof(fc.constantFrom('支付宝业务明细', '商家实收（元）', '￥', '€', '·', '—', '“', '〇', '兀', '﨩'), fc.string()), { maxLength: 20 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(gbkText, (text) => {
        const bytes = iconv.encode(`#${text}\u4e2d`, 'gbk');
        expect(decodeText(bytes).text).toBe(iconv.decode(bytes, 'gb18030'));
      }),
    );
  });
});
