/** Counts the calls of the Atomics functions a hot path might make while `run` runs (restored after). */
export function countAtomicsCalls(run: () => void): number {
  const names = ['load', 'store', 'compareExchange', 'exchange', 'add', 'notify'] as const;
  const saved = names.map((name) => Atomics[name]);
  let calls = 0;
  names.forEach((name, n) => {
    (Atomics as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (calls++, (saved[n] as (...a: unknown[]) => unknown)(...args));
  });
  try {
    run();
  } finally {
    names.forEach((name, n) => ((Atomics as unknown as Record<string, unknown>)[name] = saved[n]));
  }
  return calls;
}
