// Shared vocabulary of the sandbox's HTTP side: JSON values and the error GitHub answers with.
export type Json = Record<string, unknown>;

/** A GitHub-style error answer: `{ message, documentation_url, errors?, status }` with the HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Json {
    return {
      message: this.message,
      documentation_url: 'https://docs.github.com/rest',
      ...(this.errors ? { errors: this.errors } : {}),
      status: String(this.status),
    };
  }
}
