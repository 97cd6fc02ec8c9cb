// Every migration, in order. Names sort; a domain appends its own as it lands.
import type { Migration } from 'kysely';
import { platform0001 } from './0001-platform';
import { retail0002 } from './0002-retail';
import { payments0003 } from './0003-payments';
import { reconciliation0004 } from './0004-reconciliation';
import { returns0005 } from './0005-returns';
import { audit0006 } from './0006-audit';
import { members0007 } from './0007-members';
import { reports0008 } from './0008-reports';
import { inventory0009 } from './0009-inventory';
import { settlement0010 } from './0010-settlement';
import { sync0011 } from './0011-sync';
import { reportsMore0013 } from './0013-reports-more';
import { paymentNotifications0014 } from './0014-payment-notifications';
import { memberRewards0015 } from './0015-member-rewards';
import { memberWechat0016 } from './0016-member-wechat';
import { inventoryLocations0017 } from './0017-inventory-locations';
import { reconCash0018 } from './0018-recon-cash';
import { syncChanges0020 } from './0020-sync-changes';
import { storeOverrides0021 } from './0021-store-overrides';
import { couponsPulled0022 } from './0022-coupons-pulled';
import { syncInbound0023 } from './0023-sync-inbound';
import { stockMovesIndex0024 } from './0024-stock-moves-index';
import { reconIndexes0025 } from './0025-recon-indexes';
import { syncExceptionsResolved0026 } from './0026-sync-exceptions-resolved';
import { reconFileStore0027 } from './0027-recon-file-store';
import { reconRefundRef0028 } from './0028-recon-refund-ref';

export const migrations: Record<string, Migration> = {
  '0001-platform': platform0001,
  '0002-retail': retail0002,
  '0003-payments': payments0003,
  '0004-reconciliation': reconciliation0004,
  '0005-returns': returns0005,
  '0006-audit': audit0006,
  '0007-members': members0007,
  '0008-reports': reports0008,
  '0009-inventory': inventory0009,
  '0010-settlement': settlement0010,
  '0011-sync': sync0011,
  '0013-reports-more': reportsMore0013,
  '0014-payment-notifications': paymentNotifications0014,
  '0015-member-rewards': memberRewards0015,
  '0016-member-wechat': memberWechat0016,
  '0017-inventory-locations': inventoryLocations0017,
  '0018-recon-cash': reconCash0018,
  '0020-sync-changes': syncChanges0020,
  '0021-store-overrides': storeOverrides0021,
  '0022-coupons-pulled': couponsPulled0022,
  '0023-sync-inbound': syncInbound0023,
  '0024-stock-moves-index': stockMovesIndex0024,
  '0025-recon-indexes': reconIndexes0025,
  '0026-sync-exceptions-resolved': syncExceptionsResolved0026,
  '0027-recon-file-store': reconFileStore0027,
  '0028-recon-refund-ref': reconRefundRef0028,
};
