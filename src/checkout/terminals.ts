// Which till a request acts for: the one a PIN session is bound to, or one named by code in a
// store the actor may sell in.
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { requirePermission, type Actor } from '../platform/auth/permissions';

export interface TillContext {
  storeId: string;
  storeCode: string;
  storeName: string;
  regionId: string | null;
  timeZone: string;
  dayCutover: string;
  terminalId: string;
  terminalCode: string;
}

export async function resolveTill(ctx: Ctx, actor: Actor, input: { terminalId?: string; storeCode?: string; terminalCode?: string }): Promise<TillContext> {
  let query = ctx.db
    .selectFrom('terminals')
    .innerJoin('stores', 'stores.id', 'terminals.store_id')
    .select([
      'stores.id as storeId',
      'stores.code as storeCode',
      'stores.name as storeName',
      'stores.region_id as regionId',
      'stores.time_zone as timeZone',
      'stores.day_cutover as dayCutover',
      'terminals.id as terminalId',
      'terminals.code as terminalCode',
    ]);
  const terminalId = input.terminalId ?? actor.terminalId;
  if (terminalId) query = query.where('terminals.id', '=', terminalId);
  else if (input.storeCode && input.terminalCode) query = query.where('stores.code', '=', input.storeCode).where('terminals.code', '=', input.terminalCode);
  else throw new AppError('TERMINAL_REQUIRED', 'Say which till: sign in with a PIN at the till, or give storeCode and terminalCode.', { status: 400 });
  const till = await query.executeTakeFirst();
  if (!till) throw new AppError('NOT_FOUND', 'That till is not registered.');
  requirePermission(actor, 'pos.sell', { storeId: till.storeId, regionId: till.regionId });
  return till;
}
