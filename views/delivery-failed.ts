/** Told in the thread when Slack refused a delivery for good and its content exists nowhere else there. */
import type { MessageContent } from './blocks.js';
import { fallback, section } from './blocks.js';
import { escapeMrkdwn, inlineCode } from './mrkdwn.js';

/** An RCA draft that could not be uploaded: say why, and how to get it from a terminal instead. */
export function rcaUploadFailedMessage(input: { incidentId: string; reason: string }): MessageContent {
  const command = `rollbot rca ${input.incidentId} --out ${input.incidentId}-rca.md`;
  const text =
    `⚠️ The RCA draft could not be uploaded to this thread (Slack said: ${escapeMrkdwn(input.reason)}). ` +
    `Get it from a terminal where rollbot runs: ${inlineCode(command)}`;
  return { text: fallback(text), blocks: [section(text)] };
}
