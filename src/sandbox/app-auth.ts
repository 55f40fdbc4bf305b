// App authentication as GitHub checks it: the App's JWT (RS256, signed with its private key, `iss` = app id) for
// /app routes, and installation tokens minted by POST /app/installations/{id}/access_tokens for everything else.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HttpError } from './http-types.js';

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * Verifies `Authorization: Bearer <jwt>`. With no public key configured only the shape and `iss` are checked (the
 * sandbox then trusts any App). Throws GitHub's 401 answers.
 */
export function verifyAppJwt(
  authorization: string | undefined,
  appId: number,
  publicKey: string | KeyObject | undefined,
  nowSeconds: number,
): void {
  const m = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]*)$/i.exec(authorization ?? '');
  if (!m) throw new HttpError(401, 'A JSON web token could not be decoded');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = b64urlJson(m[1]!);
    claims = b64urlJson(m[2]!);
  } catch {
    throw new HttpError(401, 'A JSON web token could not be decoded');
  }
  if (String(claims.iss) !== String(appId))
    throw new HttpError(
      401,
      `'Issuer' claim ('iss') must be an Integer (the sandbox's app id is ${appId}, the JWT says ${String(claims.iss)})`,
    );
  if (typeof claims.exp === 'number' && claims.exp < nowSeconds)
    throw new HttpError(401, "'Expiration time' claim ('exp') is too far in the future or has expired");
  if (publicKey) {
    if (header.alg !== 'RS256') throw new HttpError(401, 'A JSON web token could not be decoded (alg must be RS256)');
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    const ok = verify('RSA-SHA256', Buffer.from(`${m[1]}.${m[2]}`), key, Buffer.from(m[3]!, 'base64url'));
    if (!ok)
      throw new HttpError(401, "A JSON web token could not be decoded (signature does not match the App's public key)");
  }
}
