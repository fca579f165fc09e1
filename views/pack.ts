/** Packs one-line entries into as few section texts as Slack allows, counting what had to be left out. */
import { SECTION_TEXT_MAX } from './limits.js';

/** At most `maxSections` texts of at most 3000 characters; when lines are left out the last says how many. */
export function packLines(lines: readonly string[], maxSections: number): string[] {
  const chunks: string[][] = [];
  let size = 0;
  for (const raw of lines) {
    const line = raw.length > SECTION_TEXT_MAX - 40 ? `${raw.slice(0, SECTION_TEXT_MAX - 41)}…` : raw;
    const last = chunks.at(-1);
    if (last === undefined || size + 1 + line.length > SECTION_TEXT_MAX) {
      chunks.push([line]);
      size = line.length;
    } else {
      last.push(line);
      size += 1 + line.length;
    }
  }
  if (chunks.length <= maxSections) return chunks.map((c) => c.join('\n'));
  const kept = chunks.slice(0, Math.max(maxSections - 1, 0));
  const shown = kept.reduce((n, c) => n + c.length, 0);
  return [...kept.map((c) => c.join('\n')), `_… and ${lines.length - shown} more not shown_`];
}
