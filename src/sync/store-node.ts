// Starting a store node's sync: its credential from the data folder, a first pull of master data
// (so the tills know the catalog, users and prices), then the background pusher.
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { readCredential } from './keys';
import { StoreSync, type StoreSyncOptions } from './store-sync';

/**
 * Starts sync for the store node `storeCode` against HQ at `hqUrl`. When HQ cannot be reached the
 * node still starts (its tills sell on what it pulled before) and keeps retrying.
 *
 * @example const sync = await startStoreNode(ctx, { dataDir, hqUrl: 'http://hq:8080', storeCode: 'S001', dbKind: 'sqlite' })
 */
export async function startStoreNode(ctx: Ctx, options: { dataDir: string; hqUrl: string; storeCode: string; dbKind: 'sqlite' | 'postgres' } & Partial<StoreSyncOptions>): Promise<StoreSync> {
  const credential = readCredential(options.dataDir);
  if (credential.storeCode !== options.storeCode) {
    throw new AppError('CONFIG_INVALID', `The sync credential in ${options.dataDir} is for store ${credential.storeCode}, not ${options.storeCode}.`);
  }
  // Tests and impatient operators may shorten the rounds (TILLPOINT_SYNC_INTERVAL_MS, TILLPOINT_SYNC_MAX_BACKOFF_MS).
  const fromEnv = (name: string) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : undefined);
  const sync = new StoreSync(ctx, { intervalMs: fromEnv('TILLPOINT_SYNC_INTERVAL_MS'), maxBackoffMs: fromEnv('TILLPOINT_SYNC_MAX_BACKOFF_MS'), ...options, credential });
  try {
    await sync.drain();
    await sync.pull();
  } catch (err) {
    const known = await ctx.db.selectFrom('stores').select('id').where('code', '=', options.storeCode).executeTakeFirst();
    ctx.log.warn({ err: (err as Error).message }, known ? 'HQ unreachable at start; selling on the master data pulled before' : 'HQ unreachable at start and nothing pulled yet: the tills can sell once the first pull arrives');
  }
  sync.start();
  return sync;
}
