// Who may see the dashboard. Pure decision over the request's facts, so every branch is testable without sockets.
import { bearerToken, sameSecret } from '../../ops/auth.js';

export const COOKIE = 'baton_dashboard';

export interface AccessRequest {
  remoteAddress?: string;
  headers: Record<string, string | string[] | undefined>;
  /** `?token=` from the URL, if any. */
  queryToken?: string | null;
}

export type AccessDecision =
  | { ok: true; via: 'bearer' | 'cookie' | 'query' | 'localhost'; setCookie?: boolean }
  | { ok: false; status: 401 | 403; message: string };

const HOW =
  'Set BATON_DASHBOARD_TOKEN on the Baton server, then send "Authorization: Bearer <token>" or open /baton?token=<token> once (it sets a cookie).';

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const raw = Array.isArray(header) ? header.join(';') : (header ?? '');
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'x-forwarded-host',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-cluster-client-ip',
  'fastly-client-ip',
] as const;

/** The Host allowlist of tokenless mode: loopback names and addresses, any port. */
export function localHost(host: unknown): boolean {
  if (typeof host !== 'string') return false;
  const name = host
    .trim()
    .toLowerCase()
    .replace(/:\d{1,5}$/, '');
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

export function decideAccess(req: AccessRequest, token: string | undefined, openOnLocalhost = true): AccessDecision {
  if (token) {
    const bearer = bearerToken(req.headers.authorization);
    const cookie = readCookie(req.headers.cookie, COOKIE);
    const given = bearer ?? req.queryToken ?? cookie;
    if (given === undefined || given === null || given === '')
      return { ok: false, status: 401, message: `The Baton dashboard needs a token. ${HOW}` };
    if (!sameSecret(given, token)) return { ok: false, status: 403, message: `That dashboard token is wrong. ${HOW}` };
    if (bearer !== undefined) return { ok: true, via: 'bearer' };
    if (req.queryToken) return { ok: true, via: 'query', setCookie: true };
    return { ok: true, via: 'cookie' };
  }
  // Sandbox mode: no token configured. Only a browser on this machine may look — and not through a proxy, since a
  // local reverse proxy would make every remote visitor look like localhost.
  // Every forwarding header means the same thing: a proxy, so the peer address says nothing about the visitor.
  const proxied = FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined);
  // DNS rebinding: a page on attacker.example resolved to 127.0.0.1 reaches us with its own Host; only local names pass.
  if (openOnLocalhost && isLoopback(req.remoteAddress) && !proxied && localHost(req.headers.host))
    return { ok: true, via: 'localhost' };
  return {
    ok: false,
    status: 403,
    message: `The Baton dashboard is open without a token only to browsers on the server itself (no proxy). ${HOW}`,
  };
}
