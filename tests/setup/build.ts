import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds every package once per test run: worker threads load dist/*.js, which vitest does not transform. */
export default function build(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
}
