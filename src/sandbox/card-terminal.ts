// A sandbox card terminal with outcomes chosen by the amount, for the demo and the tests:
// amounts ending in .51 are declined (insufficient funds), .91 time out, others are approved;
// refunds follow the same rule.
import { randomInt } from 'node:crypto';
import type { CardCharge, CardRefund, CardResult, CardTerminal } from '../payments/card-terminal';

/**
 * @example await sandboxCardTerminal().charge({ amountFen: 1251, reference: 'x' }) // declined
 */
export function sandboxCardTerminal(options: { cardLast4?: string } = {}): CardTerminal {
  let seq = 0;
  // A batch number per terminal start keeps references unique across restarts, as real
  // terminals' batch + trace numbers are.
  const batch = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const answer = (request: CardCharge | CardRefund): Promise<CardResult> => {
    const cents = request.amountFen % 100;
    if (cents === 51) return Promise.resolve({ status: 'declined', responseCode: '51', message: '余额不足 (insufficient funds)' });
    if (cents === 91) return Promise.resolve({ status: 'timeout' });
    seq += 1;
    return Promise.resolve({
      status: 'approved',
      terminalRef: `${batch}${String(seq).padStart(6, '0')}`,
      authCode: String((seq * 7919) % 1_000_000).padStart(6, '0'),
      cardLast4: options.cardLast4 ?? '6688',
    });
  };
  return { charge: answer, refund: answer };
}
