// One error type for every expected failure, with a stable code that the API, CLI and UI share.

/** HTTP status for the platform's generic codes; domain codes pass their own or default to 422. */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  CSRF_TOKEN_INVALID: 403,
  PERMISSION_DENIED: 403,
  STORE_OUT_OF_SCOPE: 403,
  DEMO_LOGIN_REMOTE: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_ATTEMPTS: 429,
  INTERNAL: 500,
};

export interface AppErrorOptions {
  /** HTTP status; defaults by code (422 for business rules). */
  status?: number;
  /** Machine-readable facts a client may show: field, line, limit… */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * An expected failure with a stable `code` and a message that tells the user what to do.
 *
 * @example throw new AppError('NOT_FOUND', 'Store S009 does not exist. Check the store code.')
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? STATUS_BY_CODE[code] ?? 422;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
