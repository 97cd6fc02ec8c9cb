// The back office's calls to the returns API: the approval inbox, the returns of a day, and a
// store's return policy, typed by the server's own schemas.
import type { z } from 'zod';
import { api } from '../api';
import type { ApprovalOut, ReturnOut } from '../../../src/returns/schema';
import type { ReturnPolicy } from '../../../src/returns/policy';

export type { ReturnPolicy };
export type Approval = z.infer<typeof ApprovalOut>;
export type ReturnDetail = z.infer<typeof ReturnOut>;
export type ReturnStatus = ReturnDetail['status'];
/** A row of the returns list: the return without its lines and refunds, with where and by whom. */
export type ReturnRow = Omit<ReturnDetail, 'lines' | 'refunds'> & { storeId: string; cashierName: string };

/** What the server stores as an approval's subject for a return (see `insertApproval`). */
export interface ReturnSubject {
  receiptNo: string | null;
  reasonCode: string;
  lines: Array<{ name: string; qty: number; refundFen: number }>;
}

export const returnsApi = {
  pendingApprovals: () => api<{ approvals: Approval[] }>('GET', '/approvals?status=pending'),
  decide: (id: string, approve: boolean, note?: string) => api<Approval>('POST', `/approvals/${encodeURIComponent(id)}/decision`, { approve, note }),
  list: (filter: { date: string; status?: ReturnStatus }) => {
    const query = new URLSearchParams({ date: filter.date, ...(filter.status ? { status: filter.status } : {}) });
    return api<{ returns: ReturnRow[] }>('GET', `/returns?${query.toString()}`);
  },
  detail: (id: string, storeCode: string) => api<ReturnDetail>('GET', `/returns/${encodeURIComponent(id)}?store=${encodeURIComponent(storeCode)}`),
  retry: (id: string, storeCode: string) => api<ReturnDetail>('POST', `/returns/${encodeURIComponent(id)}/retry?store=${encodeURIComponent(storeCode)}`),
  policy: (storeCode: string) => api<ReturnPolicy>('GET', `/stores/${encodeURIComponent(storeCode)}/return-policy`),
  savePolicy: (storeCode: string, policy: ReturnPolicy) => api<ReturnPolicy>('PUT', `/stores/${encodeURIComponent(storeCode)}/return-policy`, policy),
};
