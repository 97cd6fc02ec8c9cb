// A sandbox's record of its orders, one JSON line per change, so bills can be made from it later
// (also by another process: `tillpoint sandbox export`). The last line of an order wins.
import fs from 'node:fs';
import path from 'node:path';

export interface Journal<T> {
  append(record: T): void;
  load(): T[];
}

/** `key` names the field that identifies an order. */
export function openJournal<T extends object>(file: string, key: keyof T): Journal<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return {
    append(record) {
      fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
    },
    load() {
      if (!fs.existsSync(file)) return [];
      const latest = new Map<unknown, T>();
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const record = JSON.parse(line) as T;
        latest.set(record[key], record);
      }
      return [...latest.values()];
    },
  };
}
