// Password and PIN hashing with argon2id.
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors';

const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable here */, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, OPTIONS);
}

export async function verifySecret(hashed: string, secret: string): Promise<boolean> {
  try {
    return await verify(hashed, secret);
  } catch {
    return false;
  }
}

export function assertPassword(password: string): void {
  if (password.length < 4 || password.length > 200) {
    throw new AppError('VALIDATION_FAILED', 'A password must be 4 to 200 characters long.', { details: { field: 'password' } });
  }
}

export function assertPin(pin: string): void {
  if (!/^\d{4,8}$/.test(pin)) {
    throw new AppError('VALIDATION_FAILED', 'A PIN is 4 to 8 digits.', { details: { field: 'pin' } });
  }
}
