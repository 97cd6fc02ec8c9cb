// The measures a sales report shows and the figures derived from them: average ticket (客单价),
// items per basket, margin and margin %, change against another period. Pure.
import Big from 'big.js';
import { roundHalfEven } from '../platform/money';

/** Summed rollup measures; money in fen. */
export interface Measures {
  grossFen: number;
  discountFen: number;
  returnsFen: number;
  /** gross − discounts − returns */
  netFen: number;
  costFen: number;
  qty: number;
  items: number;
  transactions: number;
  returnCount: number;
}

export interface Derived {
  /** 客单价: net ÷ transactions, half-even to the fen (0 without transactions). */
  avgTicketFen: number;
  /** Items ÷ transactions, two decimals. */
  itemsPerBasket: string;
  marginFen: number;
  /** Margin ÷ net × 100, two decimals; null when net is 0. */
  marginPct: string | null;
}

export const MEASURE_KEYS = ['grossFen', 'discountFen', 'returnsFen', 'netFen', 'costFen', 'qty', 'items', 'transactions', 'returnCount'] as const;

export function zeroMeasures(): Measures {
  return { grossFen: 0, discountFen: 0, returnsFen: 0, netFen: 0, costFen: 0, qty: 0, items: 0, transactions: 0, returnCount: 0 };
}

/** Adds `b` into `a` and returns `a`. */
export function addMeasures(a: Measures, b: Measures): Measures {
  for (const k of MEASURE_KEYS) a[k] += b[k];
  return a;
}

/**
 * @example derive({ ...zeroMeasures(), netFen: 1000, costFen: 600, transactions: 3, items: 7 })
 * // { avgTicketFen: 333, itemsPerBasket: '2.33', marginFen: 400, marginPct: '40.00' }
 */
export function derive(m: Measures): Derived {
  const marginFen = m.netFen - m.costFen;
  return {
    avgTicketFen: m.transactions > 0 ? roundHalfEven(new Big(m.netFen).div(m.transactions)) : 0,
    itemsPerBasket: m.transactions > 0 ? new Big(m.items).div(m.transactions).round(2, Big.roundHalfEven).toFixed(2) : '0.00',
    marginFen,
    marginPct: m.netFen !== 0 ? new Big(marginFen).times(100).div(m.netFen).round(2, Big.roundHalfEven).toFixed(2) : null,
  };
}

/** Change in % with one decimal, half-even; null when there is nothing to compare with. @example changePct(1150, 1000) // '15.0' */
export function changePct(current: number, previous: number): string | null {
  if (previous === 0) return null;
  return new Big(current - previous).times(100).div(Math.abs(previous)).round(1, Big.roundHalfEven).toFixed(1);
}

/** Share of a part in a whole in %, one decimal. */
export function sharePct(part: number, whole: number): string | null {
  return whole === 0 ? null : new Big(part).times(100).div(whole).round(1, Big.roundHalfEven).toFixed(1);
}
