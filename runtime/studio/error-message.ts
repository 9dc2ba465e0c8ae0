/** The user-facing message of anything thrown, for the studio backend's one-line errors (Node-only). */

/** The message of an error, or the thrown value itself as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
