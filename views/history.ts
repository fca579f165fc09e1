/** `/rollback history`: seed 003's execution history (date, executed by, level, success, duration), drills timed against target. */
import type { KnownBlock } from '@slack/types';
import { targetVerdict } from '../src/domain/figures.js';
import type { HistoryRow, MttrRow } from '../src/domain/records.js';
import type { RunState } from '../src/domain/run-state.js';
import { context, type EphemeralContent, fallback, section } from './blocks.js';
import { humanDuration, plural, utcDateTime } from './format.js';
import { fitBlocks, MESSAGE_BLOCKS_MAX } from './limits.js';
import { escapeMrkdwn, mention } from './mrkdwn.js';
import { packLines } from './pack.js';

const RESULT: Record<RunState, string> = {
  succeeded: '✅ Yes',
  failed: '❌ No',
  aborted: '⛔ Aborted',
  denied: '🚫 Denied',
  expired: '⌛ Expired',
  interrupted: '⚠️ Interrupted',
  pending_approval: '⏳ Awaiting approval',
  approved: '🔄 Starting',
  running: '🔄 Running',
};

export function historyText(
  rows: readonly HistoryRow[],
  mttr: readonly MttrRow[],
  service?: string,
): EphemeralContent {
  const scope = service === undefined ? '' : ` for ${escapeMrkdwn(service)}`;
  const real = rows.filter((r) => !r.drill);
  const drills = rows.filter((r) => r.drill);
  if (rows.length === 0) {
    const none = `No rollbacks recorded${scope} yet.`;
    return { response_type: 'ephemeral', text: none, blocks: [section(none)] };
  }
  const mttrLine =
    mttr.length === 0
      ? undefined
      : `*Mean time to restore* (incident opened → service restored): ${mttr.map(mttrText).join(' · ')}`;
  // Half the room each for rollbacks and drills, minus the headings, MTTR and footer.
  const room = Math.floor((MESSAGE_BLOCKS_MAX - 5) / 2);
  const blocks: KnownBlock[] = [];
  if (real.length > 0) {
    blocks.push(section(`*Rollback history${scope}* (date · executed by · level · success · duration)`));
    blocks.push(...packLines(real.map(rollbackLine), room).map(section));
  }
  if (drills.length > 0) {
    blocks.push(section(`*Drills${scope}* (date · level · result · actual vs target)`));
    blocks.push(...packLines(drills.map(drillLine), room).map(section));
  }
  if (mttrLine) blocks.push(section(mttrLine));
  blocks.push(context('Times in UTC · `rollbot history --json` for the full list'));
  const text = `Rollback history${scope}: ${plural(real.length, 'rollback')}, ${plural(drills.length, 'drill')}`;
  return { response_type: 'ephemeral', text: fallback(text), blocks: fitBlocks(blocks, MESSAGE_BLOCKS_MAX) };
}

function rollbackLine(row: HistoryRow): string {
  const where = escapeMrkdwn(`${row.service} ${row.env}`);
  const took = row.durationMs === null ? '—' : humanDuration(row.durationMs);
  return `• ${utcDateTime(row.createdAt)} · ${mention(row.requestedBy)} · ${where} · level ${row.level} · ${RESULT[row.state]} · ${took} · ${escapeMrkdwn(row.incidentId)}`;
}

function drillLine(row: HistoryRow): string {
  const where = escapeMrkdwn(`${row.service} ${row.env}`);
  const target = humanDuration(row.targetMs);
  const actual =
    row.durationMs === null
      ? `— vs target ${target}`
      : `${humanDuration(row.durationMs)} vs target ${target}${verdictNote(row)}`;
  return `• ${utcDateTime(row.createdAt)} · ${where} · level ${row.level} · ${RESULT[row.state]} · ${actual}`;
}

/** Only a drill that succeeded can be within its target: a failed one restored nothing. */
function verdictNote(row: HistoryRow): string {
  const verdict = targetVerdict(row);
  return verdict === 'within' ? ' (within)' : verdict === 'over' ? ' (over)' : '';
}

function mttrText(row: MttrRow): string {
  return `${escapeMrkdwn(row.service)} ${humanDuration(row.meanMs)} (${plural(row.incidents, 'incident')})`;
}
