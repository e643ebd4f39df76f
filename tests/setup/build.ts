import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Builds every package once per test run, as `pnpm build` does: worker threads load dist/*.js,
 * which vitest does not transform, and @shardmap/core's exports are its rollup bundle.
 */
export default function build(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = (script: string, ...args: string[]) =>
    execFileSync(process.execPath, [fileURLToPath(new URL(`../../node_modules/${script}`, import.meta.url)), ...args], { cwd: root, stdio: 'inherit' });
  run('typescript/bin/tsc', '-b');
  run('rollup/dist/bin/rollup', '-c', 'packages/core/rollup.config.mjs', '--silent');
}
