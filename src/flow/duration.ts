// The one duration syntax of Baton (flow.yml `sla`, `--since`, report periods): a whole number and a unit.
export const DURATION_PATTERN = /^\d+(m|h|d|w)$/;
export const DURATION_HINT = 'a whole number followed by m, h, d or w, e.g. "2d"';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `2d` → 172800000; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const unit = DURATION_PATTERN.exec(t)?.[1] as keyof typeof UNIT_MS | undefined;
  return unit ? Number(t.slice(0, -1)) * UNIT_MS[unit] : undefined;
}

/** Like parseDuration, but a non-duration is an error that says what is accepted. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`invalid duration "${text}": write ${DURATION_HINT}`);
  return ms;
}
