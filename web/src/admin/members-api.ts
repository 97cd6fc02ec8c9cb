// Calls to the members API, for the back office and the till: register, find by phone, reveal,
// export and anonymise on request, and the membership settings (tiers, points rules, consent).
import { api } from '../api';
import type { MembersConfig } from '../../../src/members/config';
import type { MemberView, TierProgress, exportMember } from '../../../src/members/service';
import type { LedgerEntry } from '../../../src/members/member-detail';

export type Member = MemberView;
export type { MembersConfig };
/** Everything held about a member, as a data request receives it. */
export type MemberExport = Awaited<ReturnType<typeof exportMember>>;

export type { LedgerEntry };
export type MemberProgress = { tierSince: string } & TierProgress;
export interface MemberSale {
  id: string;
  receiptNo: string;
  businessDate: string;
  totalFen: number;
  createdAt: string;
  storeCode: string;
  storeName: string;
  receiptUrl: string;
}
export interface MemberMessage {
  id: string;
  kind: string;
  channel: string;
  status: string;
  attempts: number;
  body: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
const page = (limit: number, offset: number) => `limit=${limit}&offset=${offset}`;

export interface MemberRegistration {
  phone: string;
  name?: string;
  birthday?: string;
  consentVersion: string;
  consentAccepted: boolean;
  /** Where the member signs up; a till's PIN session knows its own store. */
  storeCode?: string;
  terminalCode?: string;
}

export const membersApi = {
  register: (input: MemberRegistration) => api<Member>('POST', '/members', input),
  findByPhone: async (phone: string) => (await api<{ members: Member[] }>('GET', `/members?phone=${encodeURIComponent(phone)}`)).members[0] ?? null,
  reveal: (id: string) => api<Member>('GET', `/members/${encodeURIComponent(id)}?reveal=true`),
  export: (id: string) => api<MemberExport>('GET', `/members/${encodeURIComponent(id)}/export`),
  anonymise: (id: string) => api<Member>('POST', `/members/${encodeURIComponent(id)}/anonymise`),
  config: () => api<MembersConfig>('GET', '/members-config'),
  saveConfig: (config: MembersConfig) => api<MembersConfig>('PUT', '/members-config', config),
  list: (limit: number, offset: number) => api<{ total: number; members: Member[] }>('GET', `/members?${page(limit, offset)}`),
  get: (id: string) => api<Member>('GET', `/members/${encodeURIComponent(id)}`),
  progress: (id: string) => api<MemberProgress>('GET', `/members/${encodeURIComponent(id)}/progress`),
  points: (id: string, limit: number, offset: number) => api<{ total: number; balance: number; entries: LedgerEntry[] }>('GET', `/members/${encodeURIComponent(id)}/points?${page(limit, offset)}`),
  sales: (id: string, limit: number, offset: number) => api<{ total: number; sales: MemberSale[] }>('GET', `/members/${encodeURIComponent(id)}/sales?${page(limit, offset)}`),
  messages: (id: string, limit: number, offset: number) => api<{ total: number; messages: MemberMessage[] }>('GET', `/members/${encodeURIComponent(id)}/messages?${page(limit, offset)}`),
};
