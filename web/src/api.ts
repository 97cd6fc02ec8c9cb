// Calls the API with the session cookie and the CSRF header; errors carry the problem's code.
import { formatMoney } from './money';

export interface Problem {
  code: string;
  detail: string;
  status: number;
  /** Machine-readable facts (field, line…), when the server gives them. */
  details?: Record<string, unknown>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

/** Names i18next reads as options, not as blanks to fill: a detail by such a name is left out. */
const I18N_OPTIONS = new Set(['count', 'context', 'lng', 'lngs', 'ns', 'defaultValue', 'replace', 'ordinal', 'returnObjects', 'joinArrays', 'postProcess', 'interpolation']);

/**
 * The message to show for an API error, in the chosen language when the code is known. The
 * problem's details fill the message's blanks: `{{lastDay}}`, and an amount `minSpendFen` as
 * `{{minSpend}}` in yuan (¥50.00).
 *
 * @example problemText(new ApiError({ code: 'COUPON_EXPIRED', detail: '…', status: 409, details: { lastDay: '2026-11-29' } }), t) // '这张优惠券已过期（有效期至 2026-11-29）…'
 */
export function problemText(err: unknown, t: (key: string, options: Record<string, string>) => string): string {
  if (!(err instanceof ApiError)) return String(err);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(err.problem.details ?? {})) {
    if (I18N_OPTIONS.has(key)) continue;
    if (typeof value === 'number' && key.endsWith('Fen')) values[key.slice(0, -3)] = formatMoney(value);
    else if (typeof value === 'string' || typeof value === 'number') values[key] = String(value);
  }
  return t(`errors.${err.problem.code}`, { ...values, defaultValue: err.problem.detail });
}

function csrfToken(): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith('tp_csrf='))
    ?.slice('tp_csrf='.length);
}

export async function api<T>(method: string, url: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = csrfToken();
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(`/api/v1${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const p = data as Partial<Problem>;
    throw new ApiError({ code: p.code ?? 'HTTP_ERROR', detail: p.detail ?? res.statusText, status: res.status, details: p.details });
  }
  return data as T;
}

export interface Me {
  username: string;
  displayName: string;
  grants: Array<{ role: string; scopeKind: string; scopeRef: string }>;
  permissions: string[];
  terminalId: string | null;
  stores: Array<{ id: string; code: string; name: string }>;
}

export const fetchMe = () => api<Me>('GET', '/auth/me');
