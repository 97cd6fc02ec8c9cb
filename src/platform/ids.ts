// Record ids: UUIDv7, made by the node that creates the record (time-ordered, no coordination).
import { v7 } from 'uuid';

/** A new UUIDv7, e.g. `0193a1b2-…`. */
export function newId(): string {
  return v7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
