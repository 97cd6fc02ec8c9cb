// This node's identity: made once, kept in settings, used to scope the outbox and documents.
import { newId } from './ids';
import { readSetting, writeSetting, type Db } from './db/index';

export async function ensureNodeId(db: Db): Promise<string> {
  const existing = await readSetting(db, 'node_id');
  if (existing) return existing;
  const id = newId();
  await writeSetting(db, 'node_id', id);
  return id;
}
