import { describe, expect, it } from 'vitest';
import { sandboxCardTerminal } from './card-terminal';

describe('sandbox card terminal', () => {
  it('refunds a charge with a new terminal reference, and declines or times out by the amount', async () => {
    const terminal = sandboxCardTerminal({ cardLast4: '1234' });
    const charge = await terminal.charge({ amountFen: 12_800, reference: 'T01A' });
    expect(charge).toMatchObject({ status: 'approved', cardLast4: '1234' });
    const originalTerminalRef = charge.status === 'approved' ? charge.terminalRef : '';
    const refund = await terminal.refund({ amountFen: 3_000, reference: 'T01B', originalTerminalRef });
    expect(refund).toMatchObject({ status: 'approved', cardLast4: '1234' });
    expect(refund.status === 'approved' && refund.terminalRef).not.toBe(originalTerminalRef);
    expect(await terminal.refund({ amountFen: 1_051, reference: 'T01C', originalTerminalRef })).toEqual({ status: 'declined', responseCode: '51', message: '余额不足 (insufficient funds)' });
    expect(await terminal.refund({ amountFen: 1_091, reference: 'T01D', originalTerminalRef })).toEqual({ status: 'timeout' });
  });
});
