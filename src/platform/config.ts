// Configuration: flags > environment > defaults, validated once, with one clear line per mistake.
import path from 'node:path';
import { z } from 'zod';
import { AppError } from './errors';

export type DbTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Config {
  role: 'all' | 'hq' | 'store';
  db: DbTarget;
  dataDir: string;
  host: string;
  port: number;
  demo: boolean;
  /** With the demo: days of sales history sold and reconciled on first start (0: none). */
  demoDays: number;
  allowDemoRemote: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  session: { idleMinutes: number; absoluteHours: number };
}

/** What a command line or a caller may set; anything missing falls back to env, then defaults. */
export interface ConfigInput {
  role?: string;
  db?: string;
  data?: string;
  host?: string;
  port?: string | number;
  demo?: boolean;
  demoDays?: string | number;
  allowDemoRemote?: boolean;
  logLevel?: string;
}

const schema = z.object({
  role: z.enum(['all', 'hq', 'store']),
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  demo: z.boolean(),
  demoDays: z.coerce.number().int().min(0).max(366),
  allowDemoRemote: z.boolean(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  idleMinutes: z.coerce.number().int().min(1).max(24 * 60),
  absoluteHours: z.coerce.number().int().min(1).max(24 * 7),
});

/**
 * Parses a `--db` value: `sqlite:PATH` (or a bare path ending in .db) or `postgres://…`.
 *
 * @example parseDbTarget('sqlite:./data/tillpoint.db')
 */
export function parseDbTarget(value: string, cwd = process.cwd()): DbTarget {
  const text = value.trim();
  if (text.startsWith('postgres://') || text.startsWith('postgresql://')) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badDb(value, 'it is not a valid URL');
    }
    if (!url.hostname) throw badDb(value, 'it names no host');
    if (url.pathname.length <= 1) throw badDb(value, 'it names no database (add /DBNAME)');
    return { kind: 'postgres', url: text };
  }
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw badDb(value, 'it names no file (sqlite:PATH)');
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(cwd, file) };
  }
  if (/\.(db|sqlite3?)$/i.test(text) && !text.includes('://')) return { kind: 'sqlite', path: path.resolve(cwd, text) };
  throw badDb(value, 'use sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB');
}

function badDb(value: string, why: string): AppError {
  return new AppError('CONFIG_INVALID', `--db "${redactUrl(value)}" is not usable: ${why}.`);
}

/** Hides the password of a database URL for messages and logs. */
export function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/**
 * Builds the configuration from flags and environment.
 *
 * @example loadConfig({ port: 9090 }, process.env)
 */
export function loadConfig(input: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, input.data ?? env.TILLPOINT_DATA ?? 'data');
  const raw = {
    role: input.role ?? env.TILLPOINT_ROLE ?? 'all',
    dataDir,
    host: input.host ?? env.TILLPOINT_HOST ?? '127.0.0.1',
    port: input.port ?? env.TILLPOINT_PORT ?? 8080,
    demo: input.demo ?? envFlag(env.TILLPOINT_DEMO) ?? (input.role ?? env.TILLPOINT_ROLE ?? 'all') === 'all',
    demoDays: input.demoDays ?? (env.TILLPOINT_DEMO_DAYS || 7),
    allowDemoRemote: input.allowDemoRemote ?? envFlag(env.TILLPOINT_ALLOW_DEMO_REMOTE) ?? false,
    logLevel: input.logLevel ?? env.TILLPOINT_LOG_LEVEL ?? 'info',
    idleMinutes: env.TILLPOINT_SESSION_IDLE_MINUTES ?? 30,
    absoluteHours: env.TILLPOINT_SESSION_ABSOLUTE_HOURS ?? 12,
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'config');
    const shown = (raw as Record<string, unknown>)[field];
    throw new AppError('CONFIG_INVALID', `Setting ${field} = "${String(shown)}" is not valid: ${issue?.message ?? 'invalid'}.`, {
      details: { field },
    });
  }
  const c = parsed.data;
  const dbText = input.db ?? env.TILLPOINT_DB;
  const db = dbText ? parseDbTarget(dbText, cwd) : { kind: 'sqlite' as const, path: path.join(dataDir, 'tillpoint.db') };
  return {
    role: c.role,
    db,
    dataDir: c.dataDir,
    host: c.host,
    port: c.port,
    demo: c.demo,
    demoDays: c.demoDays,
    allowDemoRemote: c.allowDemoRemote,
    logLevel: c.logLevel,
    session: { idleMinutes: c.idleMinutes, absoluteHours: c.absoluteHours },
  };
}
