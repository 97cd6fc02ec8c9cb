// The `tillpoint` command. Every failure is one line on stderr and a non-zero exit.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { AppError, isAppError } from '../platform/errors';
import { loadConfig, type Config, type ConfigInput } from '../platform/config';
import { systemClock } from '../platform/clock';
import { createLogger } from '../platform/logging';
import { migrate, openDatabase, type DbHandle } from '../platform/db/index';
import { ensureNodeId } from '../platform/node';
import type { Ctx } from '../platform/context';
import { createUser, disableUser, setPassword, setPin } from '../platform/auth/users';
import { isRole, ROLES, type RoleGrant } from '../platform/auth/permissions';
import { findStoreByCode } from '../platform/stores/service';
import { createTillpoint } from '../app';
import { seedDemo } from './demo-seed';
import { seedDemoHistory } from './demo-history';
import { REPORT_BYS, deliverDailyReports, refreshRollups, reportCsv, reportXlsx, salesReport, verifyRollups, writeDailyReports, type ReportBy } from '../reports/index';
import { configureAuditNode, loadAuditKey, verifyAudit } from '../audit/index';
import { billFetchSchedule, billSources, importStatementFile, recordReconciliation, runReconciliation, type BillFetchSchedule } from '../reconciliation/index';
import { configureWallets, recoverPayments, settleRefunds } from '../payments/index';
import { isCartOpen } from '../checkout/index';
import { resumeReturns } from '../returns/index';
import { verifyStock } from '../inventory/index';
import { startDemoWallets } from '../sandbox/demo-wallets';
import { DEMO_SMS, startSmsSandbox } from '../sandbox/sms';
import { DEMO_WECHAT_MP, startWechatMpSandbox, useDemoWechatTemplates } from '../sandbox/wechat-mp';
import { configureMemberKeys, configureMessaging, deliverMessages, ensureMemberKeys, expireMemberPoints, resealMembers, reviewMemberTiers, rotateMemberKeyFile, smsGateway, wechatMiniProgram } from '../members/index';
import { exportSandboxBills } from '../sandbox/export';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';
import { ensureWebBuilt } from './web-build';
import { credentialFile, registerNode, startStoreNode, syncKeyOf, writeCredential } from '../sync/index';

/** Exit codes: 1 = the command could not do its work, 2 = the command line is wrong. */
class UsageError extends Error {}

interface DbFlags {
  db?: string;
  data?: string;
}

function withDbOptions(cmd: Command): Command {
  return cmd
    .option('--db <target>', 'sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB (env TILLPOINT_DB)')
    .option('--data <dir>', 'data folder for the SQLite file and keys (env TILLPOINT_DATA)', undefined);
}

/** The configuration of a command that only needs the database (its own flags stay out). */
function dbConfig(opts: DbFlags): Config {
  return loadConfig({ db: opts.db, data: opts.data });
}

async function openMigrated(config: Config): Promise<{ handle: DbHandle; ctx: Ctx }> {
  const handle = await openDatabase(config.db);
  await migrate(handle.db);
  const nodeId = await ensureNodeId(handle.db);
  // Commands that append audit records sign checkpoints with the node's key, when it has one.
  const key = loadAuditKey({ dataDir: config.dataDir });
  if (key) configureAuditNode(nodeId, { key });
  const log = createLogger('warn');
  return { handle, ctx: { actor: null, db: handle.db, clock: systemClock, nodeId, log } };
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`${name} must be a whole number, got "${value}".`);
    return n;
  };
}

async function readSecret(flag: string | undefined, envName: string, what: string): Promise<string> {
  if (flag) return flag;
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY || process.stdin.readableEnded) {
    throw new UsageError(`Give the ${what} with --${what} , the ${envName} variable, or on standard input.`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!text) throw new UsageError(`No ${what} on standard input.`);
  return text;
}

export function buildProgram(): Command {
  const program = new Command('tillpoint')
    .description('Tillpoint — smart checkout and automatic reconciliation')
    .showHelpAfterError(false)
    .exitOverride();

  withDbOptions(program.command('start'))
    .description('run Tillpoint (HQ, store, POS, back office) on one port')
    .addOption(new Option('--role <role>', 'all | hq | store').choices(['all', 'hq', 'store']))
    .option('--port <port>', 'HTTP port (env TILLPOINT_PORT)', undefined)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--no-demo', 'do not seed the demo store on first start')
    .option('--demo-days <n>', 'with the demo: days of sales history, ending yesterday, sold and reconciled on first start (default 7; 0: none; env TILLPOINT_DEMO_DAYS)')
    .option('--allow-demo-remote', 'let demo users sign in from other machines')
    .option('--log-level <level>', 'fatal|error|warn|info|debug')
    .option('--store <code>', 'with --role store: the store this node serves (env TILLPOINT_STORE)')
    .option('--hq-url <url>', 'with --role store: where HQ listens (env TILLPOINT_HQ_URL)')
    .action(async (opts: ConfigInput & { logLevel?: string; store?: string; hqUrl?: string }) => {
      const config = loadConfig(opts);
      const storeCode = opts.store ?? process.env.TILLPOINT_STORE;
      const hqUrl = opts.hqUrl ?? process.env.TILLPOINT_HQ_URL;
      if (config.role === 'store' && (!storeCode || !hqUrl)) throw new UsageError('A store node needs --store CODE and --hq-url URL.');
      if (hqUrl && !/^https?:\/\/[^/]+/.test(hqUrl)) throw new UsageError(`--hq-url must be an http(s) address, got "${hqUrl}".`);
      const log = createLogger(config.logLevel);
      // The database first: a bad --db or data folder should fail before any slower work.
      const handle = await openDatabase(config.db);
      const webDir = await ensureWebBuilt((line) => process.stdout.write(`${line}\n`));
      const tp = await createTillpoint({ config, clock: systemClock, log, webDir, handle });
      const closers: Array<() => Promise<void>> = [];
      const ctx: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log };
      // A store node's master data comes from HQ (its first pull), never from a local seed.
      if (config.demo && config.role !== 'store' && (await seedDemo(ctx))) {
        process.stdout.write('Seeded the demo store S001 (users admin, manager, cashier… password "demo").\n');
        // So the reports and the reconciliation pages open on something: days sold at the tills
        // through the wallets' sandboxes, their bills and statements imported (5 % faults) and reconciled.
        if (config.demoDays > 0) {
          process.stdout.write(`Selling ${config.demoDays} days of demo sales and reconciling them…\n`);
          const sales = await seedDemoHistory(ctx, { days: config.demoDays, dataDir: config.dataDir });
          process.stdout.write(`Sold ${sales} sales over the ${config.demoDays} days before today; their bills, settlements and bank statements are imported and reconciled.\n`);
        }
      }
      let billFetch: BillFetchSchedule | null = null;
      if (config.demo) {
        // The demo's wallets talk to local sandboxes speaking the providers' protocols; WeChat and
        // Alipay keep their orders under the data folder for bill exports; WeChat posts refund
        // results back to this server.
        const self = `http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host}:${config.port}`;
        const wallets = await startDemoWallets({ clock: systemClock, dataDir: config.dataDir, refundNotifyUrl: `${self}/api/v1/payments/wechat/refund-notify` });
        configureWallets('*', wallets.settings);
        // The channels' bills are fetched and the day reconciled at each store's fetch time (its
        // recon settings, in its time zone) on T+1 and T+2; TILLPOINT_RECON_FETCH_AT=HH:MM is the
        // time of stores that set none (default 10:00).
        billFetch = billFetchSchedule({ at: process.env.TILLPOINT_RECON_FETCH_AT, sources: billSources({ ...wallets.settings, alipayAccount: DEMO_ALIPAY.account }) });
        // Members' SMS and WeChat subscription messages go to local sandboxes; their inbox is the
        // demo's "phone" (/api/v1/sandbox/sms).
        const sms = await startSmsSandbox();
        const wechatMp = await startWechatMpSandbox();
        await useDemoWechatTemplates(ctx);
        configureMessaging('*', smsGateway({ url: sms.url, ...DEMO_SMS, timeoutMs: 10_000 }), wechatMiniProgram({ apiBase: wechatMp.url, ...DEMO_WECHAT_MP, timeoutMs: 10_000 }));
        closers.push(() => wallets.close(), () => sms.close(), () => wechatMp.close());
      } else if (process.env.TILLPOINT_SMS_URL) {
        // The chain's mini-program (TILLPOINT_WECHAT_MP_APPID and _SECRET) sends members' messages on WeChat when set.
        const mp = process.env.TILLPOINT_WECHAT_MP_APPID && process.env.TILLPOINT_WECHAT_MP_SECRET ? wechatMiniProgram({ apiBase: process.env.TILLPOINT_WECHAT_API ?? 'https://api.weixin.qq.com', appId: process.env.TILLPOINT_WECHAT_MP_APPID, secret: process.env.TILLPOINT_WECHAT_MP_SECRET, timeoutMs: 10_000 }) : undefined;
        configureMessaging('*', smsGateway({ url: process.env.TILLPOINT_SMS_URL, account: process.env.TILLPOINT_SMS_ACCOUNT ?? '', secret: process.env.TILLPOINT_SMS_SECRET ?? '', timeoutMs: 10_000 }), mp);
      }
      const recovered = await recoverPayments(ctx);
      if (recovered > 0) log.warn({ recovered }, 'reversed wallet payments left unfinished by the last run');
      const refundsSettled = await settleRefunds(ctx);
      if (refundsSettled > 0) log.warn({ settled: refundsSettled }, 'settled wallet refunds left open by the last run');
      // Then every minute, for attempts whose request died (idle 2 minutes, cart no longer open),
      // and refunds still open at the provider (processing, or unknown after a timeout).
      let lastDailyRun = '';
      const sweep = setInterval(() => {
        recoverPayments(ctx, { idleForMs: 120_000, cartIsOpen: (cartId) => isCartOpen(tp.nodeId, cartId) })
          .then((n) => n > 0 && log.warn({ recovered: n }, 'reversed abandoned wallet payments'))
          .catch((err: unknown) => log.error({ err }, 'payment recovery failed'));
        settleRefunds(ctx, { idleForMs: 60_000 })
          .then((n) => n > 0 && log.info({ settled: n }, 'settled open wallet refunds'))
          .then(() => resumeReturns(ctx, { idleForMs: 60_000 }))
          .then((n) => n > 0 && log.info({ completed: n }, 'completed returns whose refunds came through'))
          .catch((err: unknown) => log.error({ err }, 'refund settlement failed'));
        deliverMessages(ctx)
          .then((r) => (r.retried > 0 || r.dead > 0) && log.warn(r, 'member messages not delivered'))
          .catch((err: unknown) => log.error({ err }, 'member message delivery failed'));
        // Once a day after 02:00 Beijing time: points expiry (and reminders); the tier review on 1 January.
        const beijing = new Date(Date.now() + 8 * 3_600_000).toISOString();
        if (beijing.slice(11, 13) >= '02' && beijing.slice(0, 10) !== lastDailyRun) {
          lastDailyRun = beijing.slice(0, 10);
          expireMemberPoints(ctx)
            .then(() => (beijing.slice(5, 10) === '01-01' ? reviewMemberTiers(ctx) : undefined))
            .catch((err: unknown) => log.error({ err }, 'members daily jobs failed'));
        }
        // Report rollups follow new sales and returns (reports also refresh when read).
        // Then each closed business day's report is stored once and sent where a webhook is set.
        refreshRollups(ctx)
          .then(() => writeDailyReports(ctx))
          .then(() => deliverDailyReports(ctx))
          .then((r) => r.failed > 0 && log.warn(r, 'daily report messages not delivered'))
          .catch((err: unknown) => log.error({ err }, 'report rollup refresh or daily reports failed'));
        billFetch
          ?.tick(ctx)
          .then((runs) => runs.forEach((r) => log.info({ date: r.date, bills: r.bills.map((b) => `${b.channel}:${b.status}`), summary: r.summary }, 'fetched bills and reconciled')))
          .catch((err: unknown) => log.error({ err }, 'bill fetch and reconciliation failed'));
      }, 60_000);
      sweep.unref();
      closers.push(async () => clearInterval(sweep));
      if (config.role === 'store' && storeCode && hqUrl) {
        const sync = await startStoreNode(ctx, { dataDir: config.dataDir, hqUrl, storeCode, dbKind: tp.handle.kind });
        closers.push(() => sync.stop());
      }
      try {
        await tp.app.listen({ port: config.port, host: config.host });
      } catch (err) {
        await tp.close();
        await handle.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new AppError('PORT_IN_USE', `Port ${config.port} is in use. Stop the other process or pass --port N.`);
        if (code === 'EACCES') throw new AppError('PORT_DENIED', `Not allowed to listen on port ${config.port}. Pick a port above 1024 with --port N.`);
        throw err;
      }
      const address = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
      process.stdout.write(`Tillpoint is running at ${address}  (POS ${address}/pos · back office ${address}/admin)\n`);
      const stop = () => {
        void Promise.all(closers.map((close) => close()))
          .then(() => tp.close())
          .then(() => handle.close())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const syncCmd = program.command('sync').description('store ↔ HQ sync');
  withDbOptions(syncCmd.command('register'))
    .description('on HQ: register a store node and issue its credential (shown once)')
    .requiredOption('--store <code>', 'the store the node serves')
    .option('--key-out <file>', `write the credential to FILE (copy it to the store node's <data>/keys/${credentialFile('').split('/').slice(-2).join('/')})`)
    .option('--json', 'print the credential as one JSON document')
    .action(async (opts: DbFlags & { store: string; keyOut?: string; json?: boolean }) => {
      const config = dbConfig(opts);
      const { handle, ctx } = await openMigrated(config);
      try {
        const credential = await registerNode(ctx, syncKeyOf(ctx.nodeId, config.dataDir), opts.store);
        if (opts.keyOut) writeCredential(path.resolve(opts.keyOut), credential);
        if (opts.json) process.stdout.write(`${JSON.stringify(credential)}\n`);
        else process.stdout.write(`Registered node ${credential.nodeId} for store ${credential.storeCode}.${opts.keyOut ? ` Credential written to ${path.resolve(opts.keyOut)}.` : ` Secret (shown once): ${credential.secret}`}\n`);
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('migrate'))
    .description('apply pending database migrations')
    .action(async (opts: DbFlags) => {
      const handle = await openDatabase(dbConfig(opts).db);
      try {
        const applied = await migrate(handle.db);
        process.stdout.write(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('seed'))
    .description('seed demo data')
    .requiredOption('--demo', 'the demo chain (stores, tills, users)')
    .option('--stores <n>', 'number of stores', positiveInt('--stores'), 1)
    .option('--products <n>', 'number of SKUs in the demo catalog', positiveInt('--products'), 2000)
    .option('--days <n>', 'days of sales history ending yesterday, sold through the real checkout', positiveInt('--days'))
    .option('--sales-per-day <n>', 'sales per store and day of history', positiveInt('--sales-per-day'), 200)
    .option('--seed <s>', 'random seed', positiveInt('--seed'), 1)
    .action(async (opts: DbFlags & { stores: number; products: number; days?: number; salesPerDay: number; seed: number }) => {
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const seeded = await seedDemo(ctx, { stores: opts.stores, products: opts.products, seed: opts.seed });
        process.stdout.write(seeded ? `Seeded ${opts.stores} demo store(s) and ${opts.products} products.\n` : 'The demo is already seeded; nothing changed.\n');
        if (opts.days) {
          const sales = await seedDemoHistory(ctx, { days: opts.days, seed: opts.seed, salesPerDay: opts.salesPerDay, dataDir: dbConfig(opts).dataDir });
          process.stdout.write(sales ? `Sold ${sales} sales over the ${opts.days} days before today.\n` : 'Sales history was seeded before; nothing changed.\n');
        }
      } finally {
        await handle.close();
      }
    });

  const user = program.command('user').description('manage users');
  withDbOptions(user.command('add <username>'))
    .description('add a user (password from --password, TILLPOINT_PASSWORD or stdin)')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--store <code>', 'scope the role to a store')
    .option('--region <code>', 'scope the role to a region')
    .option('--name <name>', 'display name')
    .option('--password <password>', 'password (prefer stdin)')
    .option('--pin <pin>', 'till PIN, 4–8 digits')
    .action(async (username: string, opts: DbFlags & { role: string; store?: string; region?: string; name?: string; password?: string; pin?: string }) => {
      if (!isRole(opts.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}; got "${opts.role}".`);
      const password = await readSecret(opts.password, 'TILLPOINT_PASSWORD', 'password');
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        let grant: RoleGrant = { role: opts.role, scopeKind: 'all', scopeRef: '' };
        if (opts.store) grant = { role: opts.role, scopeKind: 'store', scopeRef: (await findStoreByCode(ctx, opts.store)).id };
        else if (opts.region) {
          const region = await ctx.db.selectFrom('regions').select('id').where('code', '=', opts.region).executeTakeFirst();
          if (!region) throw new AppError('NOT_FOUND', `Region ${opts.region} does not exist.`);
          grant = { role: opts.role, scopeKind: 'region', scopeRef: region.id };
        }
        await createUser(ctx, { username, displayName: opts.name, password, pin: opts.pin, grants: [grant] });
        process.stdout.write(`Added ${username} (${opts.role}).\n`);
      } finally {
        await handle.close();
      }
    });
  withDbOptions(user.command('passwd <username>'))
    .description('set a password (and signs the user out everywhere)')
    .option('--password <password>', 'new password (prefer stdin)')
    .option('--pin <pin>', 'also set the till PIN')
    .action(async (username: string, opts: DbFlags & { password?: string; pin?: string }) => {
      const password = await readSecret(opts.password, 'TILLPOINT_PASSWORD', 'password');
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        await setPassword(ctx, username, password);
        if (opts.pin) await setPin(ctx, username, opts.pin);
        process.stdout.write(`Password of ${username} changed; their sessions were ended.\n`);
      } finally {
        await handle.close();
      }
    });
  withDbOptions(user.command('disable <username>'))
    .description('disable a user and end all of their sessions')
    .action(async (username: string, opts: DbFlags) => {
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        await disableUser(ctx, username);
        process.stdout.write(`Disabled ${username}; their sessions were ended.\n`);
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('backup <file>'))
    .description('online backup of the SQLite database to FILE')
    .action(async (file: string, opts: DbFlags) => {
      const config = dbConfig(opts);
      if (config.db.kind === 'postgres') {
        throw new AppError('BACKUP_UNSUPPORTED', `For PostgreSQL use pg_dump: pg_dump --format=custom --file=${file} "$TILLPOINT_DB"`);
      }
      if (!fs.existsSync(config.db.path)) throw new AppError('NOT_FOUND', `There is no database at ${config.db.path} to back up.`);
      const target = path.resolve(file);
      if (fs.existsSync(target)) throw new AppError('CONFLICT', `${target} exists already; choose a new file name.`);
      const handle = await openDatabase(config.db);
      try {
        const result = await handle.sqlite?.backup(target);
        process.stdout.write(`Backed up ${result?.totalPages ?? 0} pages to ${target}\n`);
      } finally {
        await handle.close();
      }
    });

  const recon = program.command('recon').description('reconciliation: import bills and bank statements');
  withDbOptions(recon.command('import <file>'))
    .description('import a channel bill or bank statement; the same file twice changes nothing')
    .requiredOption('--channel <source>', 'wechat | alipay | aggregator | card | bank | settlement')
    .addOption(new Option('--format <format>', 'for bank statements').choices(['auto', 'mt940', 'camt053', 'csv']).default('auto'))
    .addOption(new Option('--profile <name>', 'bank CSV profile (icbc, cmb) or card acquirer layout (acquirer, chinaums)').choices(['icbc', 'cmb', 'acquirer', 'chinaums']))
    .option('--store <code>', "a bill of this store's own merchant account: what no sale explains on it is the store's")
    .option('--json', 'print the result as one JSON document')
    .action(async (file: string, opts: DbFlags & { channel: string; format: 'auto' | 'mt940' | 'camt053' | 'csv'; profile?: 'icbc' | 'cmb' | 'acquirer' | 'chinaums'; store?: string; json?: boolean }) => {
      const sources = ['wechat', 'alipay', 'aggregator', 'card', 'bank', 'settlement'] as const;
      const source = sources.find((s) => s === opts.channel);
      if (!source) throw new UsageError(`--channel must be one of ${sources.join(', ')}; got "${opts.channel}".`);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (err) {
        throw new AppError('NOT_FOUND', `Cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
      }
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const storeId = opts.store === undefined ? undefined : (await findStoreByCode(ctx, opts.store)).id;
        const result = await importStatementFile(ctx, { source, fileName: path.basename(file), bytes, format: opts.format, profile: opts.profile, storeId });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write(result.alreadyImported ? `${path.basename(file)} was imported before (${result.lines} lines); nothing changed.\n` : `Imported ${result.lines} lines from ${path.basename(file)}.\n`);
      } finally {
        await handle.close();
      }
    });

  const sandboxCmd = program.command('sandbox').description('the payment sandboxes');
  sandboxCmd
    .command('serve')
    .description('run the wallet and SMS sandboxes alone (WeChat Pay, Alipay, aggregator, SMS gateway) and print where they listen and the merchant settings that talk to them')
    .option('--data <dir>', 'data folder for their order journals (env TILLPOINT_DATA)')
    .action(async (opts: { data?: string }) => {
      const config = loadConfig({ data: opts.data });
      const wallets = await startDemoWallets({ clock: systemClock, dataDir: config.dataDir });
      const sms = await startSmsSandbox();
      const wechatMp = await startWechatMpSandbox();
      // One JSON line: the merchant side's settings, keys made for this run included (sandbox only).
      const { clock: _clock, ...wechat } = wallets.settings.wechat ?? {};
      process.stdout.write(`${JSON.stringify({ wechat, alipay: wallets.settings.alipay, aggregator: wallets.settings.aggregator, sms: { url: sms.url, ...DEMO_SMS }, wechatMiniProgram: { apiBase: wechatMp.url, ...DEMO_WECHAT_MP } })}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all([wallets.close(), sms.close(), wechatMp.close()]);
    });
  sandboxCmd
    .command('export')
    .description("write the sandboxes' files for a business date: bills (WeChat trade bill, Alipay 业务明细 zip), T+1 settlements, the bank statement (MT940, camt.053, CSV)")
    .requiredOption('--date <date>', 'YYYY-MM-DD (Beijing time)')
    .requiredOption('--out <dir>', 'folder to write the files to')
    .option('--data <dir>', 'data folder of the node whose sandboxes to read (env TILLPOINT_DATA)')
    .option('--faults <rate>', 'inject faults: the chance (0–1) that a bill line or a channel\'s money is wrong')
    .option('--seed <n>', 'seed for --faults (the same seed gives the same faults)', '1')
    .action((opts: { date: string; out: string; data?: string; faults?: string; seed: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${opts.date}".`);
      const rate = opts.faults === undefined ? undefined : Number(opts.faults);
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new UsageError(`--faults must be a rate between 0 and 1, got "${opts.faults}".`);
      if (!/^\d+$/.test(opts.seed)) throw new UsageError(`--seed must be a whole number, got "${opts.seed}".`);
      const config = loadConfig({ data: opts.data });
      const result = exportSandboxBills({ dataDir: config.dataDir, date: opts.date, outDir: path.resolve(opts.out), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: rate === undefined ? undefined : { rate, seed: Number(opts.seed) } });
      process.stdout.write(`Wrote ${result.files.map((f) => path.basename(f)).join(', ')} (${result.wechatLines} WeChat and ${result.alipayLines} Alipay lines, ${result.settlements.length} settlements, ${result.bankCredits} bank credits${rate === undefined ? '' : `, ${result.faults.length} faults`}).\n`);
    });

  withDbOptions(recon.command('run'))
    .description("reconcile a business date: tenders and refunds ↔ bills, bills ↔ settlements, settlements ↔ bank, shift cash; records the exceptions (all stores)")
    .requiredOption('--date <date>', 'YYYY-MM-DD')
    .option('--store <code>', 'one store only (sales and cash; not recorded)')
    .option('--json', 'print the run as one JSON document')
    .action(async (opts: DbFlags & { date: string; store?: string; json?: boolean }) => {
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const run = opts.store ? await runReconciliation(ctx, { date: opts.date, storeIds: [(await findStoreByCode(ctx, opts.store)).id] }) : await recordReconciliation(ctx, { date: opts.date });
        if (opts.json) process.stdout.write(`${JSON.stringify(run)}\n`);
        else {
          process.stdout.write(`${run.date}: ${run.summary.matched} matched, ${run.summary.pending} pending, ${run.summary.exceptions} exceptions\n`);
          for (const [layer, l] of Object.entries(run.layers)) process.stdout.write(`  ${layer}: ${l.matched} matched, ${l.pending} pending, ${l.exceptions} exceptions\n`);
          for (const e of run.exceptions) process.stdout.write(`  ${e.code} ${e.key} ${e.amountFen >= 0 ? '+' : ''}${e.amountFen} fen${e.status ? ` [${e.status}]` : ''}\n`);
        }
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('members'))
    .description('members tools')
    .argument('<action>', 'rotate-keys | reseal | expire-points | review-tiers')
    .action(async (action: string, opts: DbFlags) => {
      const actions = ['rotate-keys', 'reseal', 'expire-points', 'review-tiers'];
      if (!actions.includes(action)) throw new UsageError(`Unknown members action "${action}"; use one of: ${actions.join(', ')}.`);
      const config = dbConfig(opts);
      const { handle, ctx } = await openMigrated(config);
      try {
        // rotate-keys adds a new current key to the key file; the others use the keys as they are.
        configureMemberKeys(ctx.nodeId, action === 'rotate-keys' ? rotateMemberKeyFile({ dataDir: config.dataDir }) : ensureMemberKeys({ dataDir: config.dataDir }));
        if (action === 'rotate-keys' || action === 'reseal') process.stdout.write(`Re-sealed the personal data of ${await resealMembers(ctx)} member(s) under the current key.\n`);
        if (action === 'expire-points') {
          const r = await expireMemberPoints(ctx);
          process.stdout.write(`Expired ${r.expired} points; reminded ${r.reminded} member(s) of points about to expire.\n`);
        }
        if (action === 'review-tiers') {
          const r = await reviewMemberTiers(ctx);
          process.stdout.write(`Tier review: ${r.upgraded} up, ${r.downgraded} down.\n`);
        }
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('audit'))
    .description('audit trail tools')
    .argument('<action>', 'verify')
    .option('--json', 'print the verification as one JSON document')
    .action(async (action: string, opts: DbFlags & { json?: boolean }) => {
      if (action !== 'verify') throw new UsageError(`Unknown audit action "${action}"; use: audit verify.`);
      const config = dbConfig(opts);
      const { handle, ctx } = await openMigrated(config);
      try {
        // Read, never made here: a new key would only make every signed checkpoint look forged.
        const key = loadAuditKey({ dataDir: config.dataDir });
        if (key) configureAuditNode(ctx.nodeId, { key });
        const result = await verifyAudit(ctx);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        if (!result.intact) throw new AppError('AUDIT_BROKEN', `Audit chain broken at node ${result.firstBad?.nodeId} record ${result.firstBad?.seq}: ${result.firstBad?.reason}.`);
        if (!opts.json) process.stdout.write(`Audit chain intact: ${result.records} records, ${result.checkpoints} signed checkpoints.\n`);
      } finally {
        await handle.close();
      }
    });

  withDbOptions(program.command('stock'))
    .description('inventory tools')
    .argument('<action>', 'verify')
    .option('--store <code>', 'one store only')
    .option('--json', 'print the verification as one JSON document')
    .action(async (action: string, opts: DbFlags & { store?: string; json?: boolean }) => {
      if (action !== 'verify') throw new UsageError(`Unknown stock action "${action}"; use: stock verify.`);
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const storeIds = opts.store ? [(await findStoreByCode(ctx, opts.store)).id] : undefined;
        const result = await verifyStock(ctx, storeIds);
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else for (const d of result.differences) process.stdout.write(`  ${d.storeCode} ${d.skuId}: balance ${d.balance}, ledger ${d.ledger}\n`);
        if (result.differences.length > 0) throw new AppError('STOCK_MISMATCH', `${result.differences.length} stock balances differ from the ledger.`);
        if (!opts.json) process.stdout.write(`Stock balances agree with the ledger: ${result.balances} balances in ${result.stores} stores.\n`);
      } finally {
        await handle.close();
      }
    });

  const report = program.command('report').description('sales reports from the rollups');
  withDbOptions(report.command('sales'))
    .description('a sales report for business dates FROM…TO (both included)')
    .requiredOption('--from <date>', 'YYYY-MM-DD')
    .requiredOption('--to <date>', 'YYYY-MM-DD')
    .addOption(new Option('--by <dimension>', 'how to group').choices(REPORT_BYS).default('day'))
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'csv', 'xlsx']).default('json'))
    .addOption(new Option('--lang <lang>', 'CSV/XLSX headers').choices(['zh-CN', 'en']).default('zh-CN'))
    .option('--store <code>', 'one store only')
    .option('--region <code>', "only the region's stores")
    .option('--category <code>', 'only this category and those below it')
    .option('--out <file>', 'write to FILE instead of standard output (required for xlsx)')
    .action(async (opts: DbFlags & { from: string; to: string; by: ReportBy; format: 'json' | 'csv' | 'xlsx'; lang: 'zh-CN' | 'en'; store?: string; region?: string; category?: string; out?: string }) => {
      if (opts.format === 'xlsx' && !opts.out) throw new UsageError('XLSX is binary: give --out FILE.xlsx.');
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const storeIds = opts.store ? [(await findStoreByCode(ctx, opts.store)).id] : undefined;
        const result = await salesReport(ctx, null, { from: opts.from, to: opts.to, by: opts.by, storeIds, regionCode: opts.region, categoryCode: opts.category });
        const body = opts.format === 'json' ? `${JSON.stringify(result)}\n` : opts.format === 'csv' ? reportCsv(result, opts.lang) : await reportXlsx(result, opts.lang);
        if (!opts.out) process.stdout.write(body);
        else {
          fs.writeFileSync(path.resolve(opts.out), body);
          process.stdout.write(`Wrote ${result.rows.length} rows to ${path.resolve(opts.out)}\n`);
        }
      } finally {
        await handle.close();
      }
    });
  withDbOptions(report.command('verify'))
    .description('recompute the rollups of FROM…TO from raw sale and return lines; exit 0 when none differ')
    .requiredOption('--from <date>', 'YYYY-MM-DD')
    .requiredOption('--to <date>', 'YYYY-MM-DD')
    .option('--json', 'print the verification as one JSON document')
    .action(async (opts: DbFlags & { from: string; to: string; json?: boolean }) => {
      const { handle, ctx } = await openMigrated(dbConfig(opts));
      try {
        const result = await verifyRollups(ctx, { from: opts.from, to: opts.to });
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        const f = result.first;
        if (f) throw new AppError('ROLLUP_MISMATCH', `${result.differences} rollup figures differ from the raw lines; first: store ${f.storeCode} ${f.businessDate} ${f.dimKind}${f.dimRef ? ` ${f.dimRef}` : ''} ${f.measure} is ${f.rollup} in the rollup but ${f.recomputed} from the lines.`);
        if (!opts.json) process.stdout.write(`Rollups agree with the raw lines: ${result.rowsChecked} rows in ${result.stores} stores, ${result.from} to ${result.to}.\n`);
      } finally {
        await handle.close();
      }
    });

  program
    .command('bench <subjects...>')
    .description('run benchmarks (platform, checkout, audit; recon, reports, sync as they land) and print JSON')
    .option('--json', 'print one JSON document (the only output format)')
    .action(async (subjects: string[]) => {
      const { runBench, SUBJECTS } = await import('../../bench/run');
      const unknown = subjects.filter((s) => !(s in SUBJECTS));
      if (unknown.length > 0) throw new UsageError(`No bench for ${unknown.join(', ')} yet; available: ${Object.keys(SUBJECTS).join(', ')}.`);
      process.stdout.write(`${JSON.stringify(await runBench(subjects), null, 2)}\n`);
    });

  return program;
}

/** Runs the CLI; returns the exit code (the process keeps running for `start`). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.configureOutput({ writeErr: () => undefined, writeOut: (s) => process.stdout.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      process.stderr.write(`tillpoint: ${err.message.replace(/^error: /, '')}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`tillpoint: ${err.message}\n`);
      return 2;
    }
    if (isAppError(err)) {
      process.stderr.write(`tillpoint: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`tillpoint: unexpected failure: ${(err as Error).message ?? String(err)}\n`);
    if (process.env.TILLPOINT_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
if (code !== 0) process.exit(code);
