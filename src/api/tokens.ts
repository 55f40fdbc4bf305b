// Partner tokens: printed once, stored only as a SHA-256 hash, scoped to one repository, some flows and some
// operations, optionally expiring. A token reads `baton_<id>_<secret>`: the id finds the record without a scan and
// the secret is compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/types.js';
import { SCOPES, type Scope } from './schema.js';

const NS = 'api-token';
const TOKEN = /^baton_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ApiToken {
  id: string;
  name: string;
  hash: string;
  repo: string;
  /** Flow names or trigger labels the token may use; empty: every flow of the repository. */
  flows: string[];
  can: Scope[];
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export type TokenCheck = { ok: ApiToken } | { error: 'malformed' | 'unknown' | 'revoked' | 'expired' };

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function parseScopes(list: string): Scope[] {
  const can = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = can.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length) throw new Error(`unknown scope ${bad.join(', ')}: use ${SCOPES.join(', ')}`);
  if (!can.length) throw new Error(`no scope given: use --can with ${SCOPES.join(', ')}`);
  return [...new Set(can)] as Scope[];
}

/** A flow entry of a token names a flow by its name, its trigger label, or the trigger without its `flow:` prefix. */
export function flowAllowed(token: Pick<ApiToken, 'flows'>, flow: { name: string; trigger?: string }): boolean {
  if (!token.flows.length) return true;
  return token.flows.some(
    (f) =>
      f === flow.name ||
      (flow.trigger !== undefined && (f === flow.trigger || `flow:${f}` === flow.trigger)) ||
      `flow:${f}` === flow.name,
  );
}

export class TokenStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(o: {
    name: string;
    repo: string;
    flows?: string[];
    can: Scope[];
    expiresInMs?: number;
  }): Promise<{ token: string; record: ApiToken }> {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(o.name))
      throw new Error('a token name is 1–64 letters, digits, `.`, `_` or `-`');
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(o.repo)) throw new Error('--repo is owner/name');
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const at = this.now();
    const record: ApiToken = {
      id,
      name: o.name,
      hash: sha256(secret).toString('hex'),
      repo: o.repo,
      flows: o.flows ?? [],
      can: o.can,
      createdAt: at.toISOString(),
      ...(o.expiresInMs ? { expiresAt: new Date(at.getTime() + o.expiresInMs).toISOString() } : {}),
    };
    await this.store.kvSet(NS, id, JSON.stringify(record));
    return { token: `baton_${id}_${secret}`, record };
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const raw = await this.store.kvGet(NS, id);
    return raw ? (JSON.parse(raw) as ApiToken) : undefined;
  }

  async verify(presented: string): Promise<TokenCheck> {
    const m = TOKEN.exec(presented);
    if (!m) return { error: 'malformed' };
    const rec = await this.get(m[1]!);
    if (!rec || !timingSafeEqual(sha256(m[2]!), Buffer.from(rec.hash, 'hex'))) return { error: 'unknown' };
    if (rec.revokedAt) return { error: 'revoked' };
    if (rec.expiresAt && Date.parse(rec.expiresAt) <= this.now().getTime()) return { error: 'expired' };
    return { ok: rec };
  }

  async list(): Promise<ApiToken[]> {
    return (await this.store.kvList(NS))
      .map((e) => JSON.parse(e.value) as ApiToken)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revoke by id or by name (every live token of that name); returns what was revoked. */
  async revoke(idOrName: string): Promise<ApiToken[]> {
    const hits = (await this.list()).filter((t) => !t.revokedAt && (t.id === idOrName || t.name === idOrName));
    for (const t of hits) {
      t.revokedAt = this.now().toISOString();
      await this.store.kvSet(NS, t.id, JSON.stringify(t));
    }
    return hits;
  }
}
