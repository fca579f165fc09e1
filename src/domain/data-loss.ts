/**
 * What a rollback level costs in data (seed 002 lists it per level: "Data Loss: None" for a toggle,
 * "All changes since backup" for a full restore). A runbook may say it per level (`dataLoss`);
 * otherwise a level 3 restore loses writes since the backup and levels 1–2 lose none.
 */

export interface DataLoss {
  /** One line a person reads before approving, e.g. "Writes since the backup are lost". */
  text: string;
  /** True when the level is expected to lose data: the approval message flags it. */
  losesData: boolean;
}

export const RESTORE_LEVEL = 3;
const DEFAULT_RESTORE_LOSS = 'Writes since the backup are lost';
const DEFAULT_NO_LOSS = 'None expected';
// Runbook text that still means "nothing is lost", so it is not flagged as a risk.
const NO_LOSS_RE = /^\s*(none|no data loss|nothing)\b/i;

export function dataLossOf(level: number, stated?: string): DataLoss {
  const text = stated?.trim();
  if (text) return { text, losesData: !NO_LOSS_RE.test(text) };
  return level >= RESTORE_LEVEL
    ? { text: DEFAULT_RESTORE_LOSS, losesData: true }
    : { text: DEFAULT_NO_LOSS, losesData: false };
}
