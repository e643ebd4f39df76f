import { GROW_STEP_BYTES } from '../../src/layout.js';

/** A shared WebAssembly.Memory of at least `bytes` (whole 64 KiB pages), growable to `maxBytes`: what buffer.ts allocates. */
export function sharedMemory(bytes: number, maxBytes = Math.max(bytes, 4 * 1024 * 1024)): WebAssembly.Memory {
  const pages = Math.ceil(bytes / GROW_STEP_BYTES);
  return new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, Math.floor(maxBytes / GROW_STEP_BYTES)), shared: true });
}
