// VAT per rate for receipts and reports. Prices include VAT, so tax is taken out of each rate's
// gross once (not per line), which keeps the receipt's tax lines equal to what reports sum.
import Big from 'big.js';
import { AppError } from '../platform/errors';
import { assertFen, roundHalfEven } from '../platform/money';

export interface TaxableLine {
  /** What the customer pays for the line, VAT included. */
  totalFen: number;
  /** Decimal VAT rate, e.g. '0.13'. */
  vatRate: string;
}

export interface TaxGroup {
  /** The rate in its shortest decimal form: '0.13', '0.09', '0.06', '0'. */
  rate: string;
  grossFen: number;
  netFen: number;
  taxFen: number;
}

const RATE = /^\d+(\.\d+)?$/;

/**
 * Groups lines by VAT rate, highest rate first, and splits each group's gross into net and tax:
 * net = gross / (1 + rate) rounded half-even, tax = gross − net, so gross = net + tax exactly.
 *
 * @example taxBreakdown([{ totalFen: 11300, vatRate: '0.13' }])
 * // [{ rate: '0.13', grossFen: 11300, netFen: 10000, taxFen: 1300 }]
 */
export function taxBreakdown(lines: readonly TaxableLine[]): TaxGroup[] {
  const grossByRate = new Map<string, { rate: Big; grossFen: number }>();
  lines.forEach((line, index) => {
    assertFen(line.totalFen, `lines[${index}].totalFen`);
    const rate = parseRate(line.vatRate, index);
    const key = rate.toString();
    const group = grossByRate.get(key);
    if (group) group.grossFen += line.totalFen;
    else grossByRate.set(key, { rate, grossFen: line.totalFen });
  });
  return [...grossByRate.values()]
    .sort((a, b) => b.rate.cmp(a.rate))
    .map(({ rate, grossFen }) => {
      assertFen(grossFen, `gross at rate ${rate.toString()}`);
      const netFen = roundHalfEven(new Big(grossFen).div(rate.plus(1)));
      return { rate: rate.toString(), grossFen, netFen, taxFen: grossFen - netFen };
    });
}

function parseRate(text: string, index: number): Big {
  // A rate of 1 or more is a percentage typed where a fraction belongs ('13' for 13 %).
  if (RATE.test(text)) {
    const rate = new Big(text);
    if (rate.lt(1)) return rate;
  }
  throw new AppError('VALIDATION_FAILED', `VAT rate "${text}" on line ${index + 1} must be a fraction below 1, such as 0.13 for 13 %.`, {
    details: { field: `lines[${index}].vatRate`, value: text },
  });
}
