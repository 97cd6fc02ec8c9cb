import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDbTarget, redactUrl } from './config';

describe('config', () => {
  it('defaults to the SQLite file under ./data on port 8080 with the demo', () => {
    const c = loadConfig({}, {}, '/srv/tp');
    expect(c.db).toEqual({ kind: 'sqlite', path: path.join('/srv/tp', 'data', 'tillpoint.db') });
    expect(c.port).toBe(8080);
    expect(c.demo).toBe(true);
    expect(c.role).toBe('all');
    expect(c.demoDays).toBe(7);
  });

  it('takes flags over environment over defaults', () => {
    const env = { TILLPOINT_PORT: '9000', TILLPOINT_DB: 'postgres://u:p@db:5432/tp' };
    expect(loadConfig({}, env).port).toBe(9000);
    expect(loadConfig({ port: '9100' }, env).port).toBe(9100);
    expect(loadConfig({}, env).db).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/tp' });
    expect(loadConfig({ db: 'sqlite:/tmp/x.db' }, env).db).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect([loadConfig({}, { TILLPOINT_DEMO_DAYS: '3' }).demoDays, loadConfig({ demoDays: '0' }, { TILLPOINT_DEMO_DAYS: '3' }).demoDays]).toEqual([3, 0]);
  });

  it('says which setting is wrong', () => {
    expect(() => loadConfig({ port: 'eighty' }, {})).toThrow(/Setting port = "eighty" is not valid/);
    expect(() => loadConfig({ role: 'boss' }, {})).toThrow(/Setting role = "boss"/);
    expect(() => loadConfig({ demoDays: '400' }, {})).toThrow(/Setting demoDays = "400" is not valid/);
    expect(() => loadConfig({}, { TILLPOINT_DEMO_DAYS: 'a week' })).toThrow(/Setting demoDays = "a week"/);
    expect(() => parseDbTarget('mysql://x')).toThrow(/use sqlite:PATH or postgres:\/\//);
    expect(() => parseDbTarget('postgres://u:secret@/tp')).toThrow(/not a valid URL|names no host/);
    expect(() => parseDbTarget('postgres://u:secret@h:5432')).toThrow(/names no database/);
    expect(() => parseDbTarget('sqlite:')).toThrow(/names no file/);
  });

  it('never shows a database password', () => {
    expect(redactUrl('postgres://tp:hunter2@db:5432/tp')).toBe('postgres://tp:***@db:5432/tp');
    expect(() => parseDbTarget('postgres://tp:hunter2@:5432/tp')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
