// Calls to the members API, for the back office and the till: register, find by phone, reveal,
// export and anonymise on request, and the membership settings (tiers, points rules, consent).
import { api } from '../api';
import type { MembersConfig } from '../../../src/members/config';
import type { MemberView, exportMember } from '../../../src/members/service';

export type Member = MemberView;
export type { MembersConfig };
/** Everything held about a member, as a data request receives it. */
export type MemberExport = Awaited<ReturnType<typeof exportMember>>;

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
};
