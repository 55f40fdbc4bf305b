// Is this GitHub user a bot? GitHub marks app accounts with `type: "Bot"` and a `[bot]` login suffix; either is
// enough (payloads from some endpoints omit the type).
export function isBot(user: { type?: string | null; login?: string | null } | null | undefined): boolean {
  return !!user && (user.type === 'Bot' || /\[bot\]$/.test(String(user.login)));
}
