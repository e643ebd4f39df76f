/**
 * Errors that cross a thread boundary keep their `code`, class, name, message, stack and cause.
 *
 * Why: structured clone (which both piscina's task replies and comlink's messages use) keeps an
 * Error's class only for the built-in ones, and drops every own property, so
 * `ERR_SHARDMAP_FULL` thrown in a pool thread arrived as a RangeError with `code === undefined`;
 * comlink sends only `{ message, name, stack }` and rebuilds a plain `Error`. Here the thrower's
 * side turns an error into a plain, cloneable record (`encodeError`) and the receiving side turns
 * it back into an instance of the same built-in class, or of this package's own error class, with
 * every own property that clones (`decodeError`).
 *
 * Every coded error of `@shardmap/core` and of this package is a built-in class (`Error`,
 * `TypeError`, `RangeError`) with a `code`: those come back
 * exactly. A user's own subclass comes back as its nearest built-in ancestor, with its `name`,
 * `code` and other cloneable own properties.
 *
 * Pure JavaScript with no Node import: the browser entry uses it too.
 */

/** Marks a record made by `encodeError` (a string key: records are structured-cloned). */
export const ENCODED_ERROR = '@shardmap/workers:error';

/** The cloneable form of an error. */
export interface EncodedError {
  readonly [ENCODED_ERROR]: 1;
  /** Constructor to rebuild with: a built-in error class or one of this package's. */
  readonly type: string;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** `cause`, itself encoded when it is an error. */
  readonly cause?: unknown;
  readonly hasCause: boolean;
  /** Own enumerable properties other than the above (`code`, `result`, …) that clone. */
  readonly props: Readonly<Record<string, unknown>>;
}

type ErrorConstructorLike = new (message?: string) => Error;

const BUILT_INS: ReadonlyMap<string, ErrorConstructorLike> = new Map<string, ErrorConstructorLike>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** This package's own error classes, rebuilt as themselves. */
const OWN_CLASSES: ReadonlyMap<string, { prototype: Error }> = new Map();

const SKIPPED = new Set(['name', 'message', 'stack', 'cause']);

export function isEncodedError(value: unknown): value is EncodedError {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[ENCODED_ERROR] === 1;
}

/** The record to send for `error`; anything that is not an Error is returned as it is. */
export function encodeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (SKIPPED.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (clones(value)) props[key] = value;
  }
  const hasCause = 'cause' in error;
  const cause = hasCause ? (depth < 8 ? encodeError(error.cause, depth + 1) : String(error.cause)) : undefined;
  const encoded: EncodedError = {
    [ENCODED_ERROR]: 1,
    type: typeOf(error),
    name: String(error.name),
    message: String(error.message),
    ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
    hasCause,
    ...(hasCause && clones(cause) ? { cause } : {}),
    props,
  };
  return encoded;
}

/** The error `encodeError` described, or `value` itself when it is no such record. */
export function decodeError(value: unknown): unknown {
  if (!isEncodedError(value)) return value;
  const own = OWN_CLASSES.get(value.type);
  const error: Error = own !== undefined
    ? (Object.create(own.prototype) as Error)
    : new (BUILT_INS.get(value.type) ?? Error)(value.message);
  define(error, 'message', value.message);
  if (error.name !== value.name) define(error, 'name', value.name);
  if (value.stack !== undefined) define(error, 'stack', value.stack);
  if (value.hasCause) define(error, 'cause', decodeError(value.cause));
  for (const [key, prop] of Object.entries(value.props)) {
    Object.defineProperty(error, key, { value: prop, writable: true, enumerable: true, configurable: true });
  }
  return error;
}

/** The built-in class (or own class) `error` is an instance of, nearest first. */
function typeOf(error: Error): string {
  for (let proto: object | null = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name !== 'string') continue;
    const own = OWN_CLASSES.get(name);
    if (own !== undefined && own.prototype === proto) return name;
    const builtIn = BUILT_INS.get(name);
    if (builtIn !== undefined && builtIn.prototype === proto) return name;
  }
  return 'Error';
}

/** Non-enumerable, as on a freshly thrown error (so a console shows the same thing). */
function define(error: Error, key: string, value: unknown): void {
  Object.defineProperty(error, key, { value, writable: true, enumerable: false, configurable: true });
}

function clones(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return true;
  if (typeof value !== 'object') return false;
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
