/**
 * A tiny static file server for the browser example and its tests, bound to 127.0.0.1 only.
 *
 * With `crossOriginIsolated: true` (the default) every response — the page and the worker scripts
 * alike — carries the two headers that make a page cross-origin isolated, which is what gives it
 * `SharedArrayBuffer`:
 *
 *     Cross-Origin-Opener-Policy: same-origin
 *     Cross-Origin-Embedder-Policy: require-corp
 *
 * A dedicated worker takes its isolation from its own script's response, so the headers must be
 * on the worker scripts too, not only on the HTML. Serving with `false` is how the tests show the
 * error a page gets without them.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServerOptions {
  /** URL path prefix (starting and ending with `/`) → directory served under it. Longest prefix wins. */
  mounts: Readonly<Record<string, string>>;
  /** Send COOP/COEP on every response (default true). */
  crossOriginIsolated?: boolean;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const mounts = Object.entries(options.mounts)
    .map(([prefix, dir]) => ({ prefix, dir: resolve(dir) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  for (const { prefix } of mounts) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new TypeError(`startStaticServer: mount "${prefix}" must start and end with "/"`);
  }
  const isolated = options.crossOriginIsolated ?? true;
  const server = createServer((request, response) => {
    serve(request, response, mounts, isolated).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  mounts: readonly { prefix: string; dir: string }[],
  isolated: boolean,
): Promise<void> {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
    return;
  }
  const file = await resolveFile(new URL(request.url ?? '/', 'http://127.0.0.1').pathname, mounts);
  if (file === undefined) {
    response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  const contentType = CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream';
  response.writeHead(200, { ...headers, 'Content-Type': contentType, 'Content-Length': String(file.size) });
  if (request.method === 'HEAD') response.end();
  else createReadStream(file.path).pipe(response);
}

/** Maps a URL path to a file inside one mount; never outside it (`..` and encoded slashes included). */
async function resolveFile(
  pathname: string,
  mounts: readonly { prefix: string; dir: string }[],
): Promise<{ path: string; size: number } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const mount = mounts.find(({ prefix }) => decoded.startsWith(prefix));
  if (mount === undefined) return undefined;
  let path = resolve(join(mount.dir, decoded.slice(mount.prefix.length)));
  if (path !== mount.dir && !path.startsWith(mount.dir + sep)) return undefined;
  try {
    let info = await stat(path);
    if (info.isDirectory()) {
      path = join(path, 'index.html');
      info = await stat(path);
    }
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
