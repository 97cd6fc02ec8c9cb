// What the members domain's settings (tiers, points rules) share: exact decimal fields and one
// way to turn a Zod failure into an AppError that names the field to fix.
import Big from 'big.js';
import { z } from 'zod';
import { AppError } from '../platform/errors';

/**
 * A non-negative decimal string with at most `decimals` places and at most `max`. Settings keep
 * percents, multipliers and rates as strings so they stay exact.
 *
 * @example decimalText({ decimals: 2, max: 100, hint: 'a percent such as "5"' }).parse('2.5') // '2.5'
 */
export function decimalText(options: { decimals: number; max: number; hint: string }) {
  const shape = new RegExp(`^\\d{1,9}(\\.\\d{1,${options.decimals}})?$`);
  return z
    .string()
    .regex(shape, `write ${options.hint}`)
    // Zod runs every check even after the regex fails; Big would throw on such text.
    .refine((v) => !shape.test(v) || new Big(v).lte(options.max), `must be at most ${options.max}`);
}

/**
 * Parses settings with `schema`, or throws `code` (status 400) with the first problem as
 * "{label} {field}: {what is wrong}." and its path in `details.path`. `label` names the part of
 * the settings the path points into, e.g. the tier at index 1.
 *
 * @example parseSettings(earnRulesSchema, body, 'POINTS_RULES_INVALID', () => 'The earn rules')
 */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  input: unknown,
  code: string,
  label: (path: readonly PropertyKey[]) => { name: string; fieldPath: readonly PropertyKey[] },
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const { name, fieldPath } = label(path);
  const field = fieldPath.map(String).join('.');
  throw new AppError(code, `${name}${field ? ` ${field}` : ''}: ${issue?.message ?? 'is not valid'}.`, {
    status: 400,
    details: { path: path.map((p) => (typeof p === 'symbol' ? String(p) : p)) },
  });
}
