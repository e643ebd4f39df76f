/**
 * The public types follow the options (tests/types/map-types.ts): tsc must accept every line of
 * that file and reject each line marked @ts-expect-error. A regression either way fails here.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('the public types of @shardmap/core', () => {
  it('follow the options, attach and the value codec (tests/types/map-types.ts type-checks)', async () => {
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'tests/types/tsconfig.json', '--pretty', 'false'], { cwd: root }).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? String(error), failed: true }),
    );
    expect('failed' in result ? `${result.stdout}${result.stderr}` : '').toBe('');
  });
});
