// Errors for data files that are missing or malformed: they name the file and what was expected.

export class DataFileError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}

/** A short description of a thrown value, for wrapping lower-level errors. */
export function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(e);
}
