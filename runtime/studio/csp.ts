/**
 * The studio's Content-Security-Policy, one builder for browser mode (`tributary studio`) and the Electron window
 * (`app://studio/`). Node-free string code, kept out of the WebSocket server so Electron main does not import it.
 */

/**
 * The studio's Content-Security-Policy (browser mode and Electron): only its own scripts (no eval), styles inline,
 * no objects, frames or forms.
 * @param extra sources added to `script-src` (`script`) and `connect-src` (`connect`), space-separated
 * @returns the header value, directives separated by `; `
 */
export function studioContentSecurityPolicy(extra: { script?: string; connect?: string } = {}): string {
  const add = (sources: string | undefined): string => (sources === undefined ? '' : ` ${sources}`);
  return [
    "default-src 'self'",
    `script-src 'self'${add(extra.script)}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${add(extra.connect)}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The Content-Security-Policy of every page response in browser mode: the studio's WebSocket on `port` may connect.
 * @param port the server's TCP port on 127.0.0.1
 */
export function contentSecurityPolicy(port: number): string {
  return studioContentSecurityPolicy({ connect: `ws://127.0.0.1:${port} ws://localhost:${port}` });
}
