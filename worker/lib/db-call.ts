/**
 * @module
 * Wraps a D1 call so that any database failure becomes a 503 with
 * `Retry-After`, never a 500 and never a 2xx for an uncommitted write.
 */
import { ApiError, unavailable } from "./errors.ts";

export async function dbCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (cause) {
    // A client's mistake found inside the call (a 4xx) is not a database failure.
    if (cause instanceof ApiError) throw cause;
    console.error(`D1 call failed: ${cause instanceof Error ? cause.name : "unknown error"}`);
    throw unavailable();
  }
}
