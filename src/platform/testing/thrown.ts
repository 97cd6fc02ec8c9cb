// Catches the AppError a call throws, so a test can assert its code, message and details.
import { AppError } from '../errors';

export function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}
