// Store ↔ HQ sync: signed requests, outbox push applied exactly once at HQ, master-data pull.
export { syncRoutes, type SyncRoutesOptions } from './routes';
export { registerNode, listNodes } from './nodes';
export { applyBatch, type PushAck } from './apply';
export { listSyncExceptions, resolveSyncException, type SyncExceptionView } from './exceptions';
export { configureSyncKey, syncKeyOf, writeCredential, readCredential, credentialFile, type NodeCredential } from './keys';
export { StoreSync, storeSyncOf, type PushTimings, type StoreSyncOptions, type SyncStatus } from './store-sync';
export { startStoreNode } from './store-node';
