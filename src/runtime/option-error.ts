// The one shape of error for a bad option handed to the kit's functions (defineJob, rateLimit,
// enqueue): thrown where the app calls them, so the stack points at the call, and worded like a
// bad variable's: what, its value, and what is allowed.

/** `fail(field, value, allowed)` for the function named `where`: `rateLimit: x's limit is 0: it must be ...`. */
export const optionFailure =
  (where: string) =>
  (field: string, value: unknown, allowed: string): never => {
    throw new TypeError(`${where}: ${field} is ${JSON.stringify(value)}: it must be ${allowed}`);
  };
