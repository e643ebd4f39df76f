/** Every multi-thread workload, looked up by suite and name (workers receive only the names). */
import { bustleWorkloads } from './bustle.js';
import { goWorkloads } from './go.js';
import type { Suite, Workload } from './types.js';

export const allWorkloads: readonly Workload[] = [...bustleWorkloads, ...goWorkloads];

export function findWorkload(suite: Suite, name: string): Workload {
  const found = allWorkloads.find((w) => w.suite === suite && w.name === name);
  if (!found) throw new Error(`unknown workload ${suite}/${name}`);
  return found;
}
