/**
 * Belady's OPT (MIN): on a miss with the cache full, evict the resident key whose next use is
 * furthest in the future (never used again = infinitely far). No cache that must store every
 * missed key can hit more often. The new key is always stored, as in the README's replay (a get,
 * then a set on a miss).
 *
 * next[i] = the index of the next request for keys[i] (or n), computed in one backward pass; the
 * residents sit in a max-heap of request indexes ordered by next[]. A hit leaves the key's old
 * heap entry behind (stale) and pushes the new one; a popped entry is live only if it is still
 * its key's latest request (last.get(key) === i). O(n log n) time, O(n) memory.
 */

function nextUses(keys: Int32Array): Int32Array {
  const n = keys.length;
  const next = new Int32Array(n);
  const seen = new Map<number, number>();
  for (let i = n - 1; i >= 0; i--) {
    const k = keys[i]!;
    next[i] = seen.get(k) ?? n;
    seen.set(k, i);
  }
  return next;
}

/** A max-heap of request indexes by next use. */
class NextUseHeap {
  readonly #items: Int32Array;
  #size = 0;
  constructor(
    capacity: number,
    private readonly next: Int32Array,
  ) {
    this.#items = new Int32Array(capacity);
  }

  push(i: number): void {
    const items = this.#items;
    const next = this.next;
    let at = this.#size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (next[items[parent]!]! >= next[i]!) break;
      items[at] = items[parent]!;
      at = parent;
    }
    items[at] = i;
  }

  pop(): number {
    const items = this.#items;
    const next = this.next;
    const top = items[0]!;
    const last = items[--this.#size]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.#size) break;
      if (child + 1 < this.#size && next[items[child + 1]!]! > next[items[child]!]!) child++;
      if (next[items[child]!]! <= next[last]!) break;
      items[at] = items[child]!;
      at = child;
    }
    items[at] = last;
    return top;
  }
}

/** OPT's hit ratio on `keys` with room for `size` keys. */
export function optHitRatio(keys: Int32Array, size: number): number {
  const next = nextUses(keys);
  const heap = new NextUseHeap(keys.length, next);
  const last = new Map<number, number>();
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (last.has(k)) hits++;
    else if (last.size >= size) evictFurthest(heap, last, keys);
    last.set(k, i);
    heap.push(i);
  }
  return hits / keys.length;
}

function evictFurthest(heap: NextUseHeap, last: Map<number, number>, keys: Int32Array): void {
  for (;;) {
    const i = heap.pop();
    // Skip stale entries: the key was requested again after i (its live entry is later).
    if (last.get(keys[i]!) === i) {
      last.delete(keys[i]!);
      return;
    }
  }
}
