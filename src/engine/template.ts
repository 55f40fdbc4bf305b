// `{{placeholder}}` expansion for comment actions. Unknown placeholders stay visible so a lead sees the typo.
export function renderTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, k: string) => (k in vars ? vars[k]! : m));
}
