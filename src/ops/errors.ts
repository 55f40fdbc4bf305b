// The message of anything thrown: an Error's message, or the thrown value itself as text (a library may throw a
// string or a plain object).
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string')
    return (err as { message: string }).message;
  return String(err);
}
