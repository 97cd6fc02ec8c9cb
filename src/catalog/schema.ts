// Zod schemas of the catalog's HTTP shapes (OpenAPI, the web app and tests read the same ones).
import { z } from 'zod';

export const ProductOut = z.object({
  skuId: z.string(),
  code: z.string(),
  name: z.string(),
  barcodes: z.array(z.string()),
  plu: z.string().nullable(),
  unit: z.enum(['piece', 'kg']),
  priceFen: z.number().int(),
  /** Only for roles that may see cost prices. */
  costFen: z.number().int().optional(),
  categoryId: z.string(),
  active: z.boolean(),
  components: z.array(z.object({ skuId: z.string(), qty: z.number().int() })),
});

export type Product = z.infer<typeof ProductOut>;
