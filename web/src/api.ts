// Calls the API with the session cookie and the CSRF header; errors carry the problem's code.

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

/** The message to show for an API error, in the chosen language when the code is known. */
export function problemText(err: unknown, t: (key: string, options: { defaultValue: string }) => string): string {
  if (err instanceof ApiError) return t(`errors.${err.problem.code}`, { defaultValue: err.problem.detail });
  return String(err);
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
