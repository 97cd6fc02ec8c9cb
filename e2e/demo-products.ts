// The demo store's catalog as the API lists it, for browser tests that need real products.
import type { Product } from '../src/catalog/schema';

export interface DemoCatalog {
  products: Product[];
  categoryId: (code: string) => string | undefined;
}

export async function demoCatalog(url: string): Promise<DemoCatalog> {
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'demo' }) });
  const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  const categories = ((await (await fetch(`${url}/api/v1/categories`, { headers: auth })).json()) as { categories: Array<{ id: string; code: string }> }).categories;
  const products: Product[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = (await (await fetch(`${url}/api/v1/products?limit=200&offset=${offset}`, { headers: auth })).json()) as { total: number; products: Product[] };
    products.push(...page.products);
    if (products.length >= page.total) break;
  }
  return { products, categoryId: (code) => categories.find((c) => c.code === code)?.id };
}
