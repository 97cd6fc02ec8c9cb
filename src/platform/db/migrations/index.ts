// Every migration, in order. Names sort; a domain appends its own as it lands.
import type { Migration } from 'kysely';
import { platform0001 } from './0001-platform';
import { retail0002 } from './0002-retail';
import { payments0003 } from './0003-payments';
import { reconciliation0004 } from './0004-reconciliation';
import { returns0005 } from './0005-returns';

export const migrations: Record<string, Migration> = {
  '0001-platform': platform0001,
  '0002-retail': retail0002,
  '0003-payments': payments0003,
  '0004-reconciliation': reconciliation0004,
  '0005-returns': returns0005,
};
