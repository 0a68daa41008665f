/**
 * `{ ...a, ...b }` for objects a worker keeps by the thousand (issue 9: 1,000 clones followed per process).
 *
 * Node 20's V8, once the code is optimized, gives each object built by a spread followed by fields the spread
 * did not copy (`{ ...record, ...patch }`, `{ ...request, description }`) a hidden class of its own, a map and
 * its descriptor array (about 0.3 KiB), where objects of one shape normally share one. Object.assign onto a
 * fresh object shares it. Spreads elsewhere are fine: the cost only shows where such objects stay alive.
 */
export function mergeFields<A extends object, B extends object>(a: A, b: B): Omit<A, keyof B> & B;
export function mergeFields<A extends object, B extends object, C extends object>(
  a: A,
  b: B,
  c: C,
): Omit<Omit<A, keyof B> & B, keyof C> & C;
export function mergeFields(...parts: object[]): object {
  return Object.assign({}, ...parts);
}
