// The category tree as reports read it: a parent category rolls up every category below it.
// Pure over the categories table's rows (a few hundred at most), loaded once per report.
import type { Db } from '../platform/db/index';

export interface CategoryNode {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  vatRate: string;
}

export interface CategoryTree {
  byId: Map<string, CategoryNode>;
  byCode: Map<string, CategoryNode>;
  /** Direct children of a category, or the roots for null; sorted by code. */
  children(id: string | null): CategoryNode[];
  /** The category and everything below it (ids). */
  subtree(id: string): string[];
  /** The one of `heads` that `id` falls under (itself or an ancestor), if any. */
  headOf(id: string, heads: ReadonlySet<string>): string | undefined;
}

/**
 * Builds the tree; a parent missing from the rows (or a cycle) makes a category a root.
 *
 * @example categoryTree(rows).subtree(rice.parentId) // ['C20', 'C2001', 'C2002', …] as ids
 */
export function categoryTree(rows: readonly CategoryNode[]): CategoryTree {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const kids = new Map<string | null, CategoryNode[]>();
  for (const r of [...rows].sort((a, b) => (a.code < b.code ? -1 : 1))) {
    const parent = r.parentId !== null && byId.has(r.parentId) && r.parentId !== r.id ? r.parentId : null;
    kids.set(parent, [...(kids.get(parent) ?? []), r]);
  }
  const children = (id: string | null) => kids.get(id) ?? [];
  const subtree = (id: string): string[] => {
    const out: string[] = [];
    const stack = [id];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      out.push(next);
      for (const c of children(next)) stack.push(c.id);
    }
    return out;
  };
  const headOf = (id: string, heads: ReadonlySet<string>): string | undefined => {
    const seen = new Set<string>();
    for (let at: string | null | undefined = id; at && !seen.has(at); at = byId.get(at)?.parentId) {
      if (heads.has(at)) return at;
      seen.add(at);
    }
    return undefined;
  };
  return { byId, byCode, children, subtree, headOf };
}

export async function loadCategoryTree(db: Db): Promise<CategoryTree> {
  return categoryTree(await db.selectFrom('categories').select(['id', 'code', 'name', 'parent_id as parentId', 'vat_rate as vatRate']).execute());
}
