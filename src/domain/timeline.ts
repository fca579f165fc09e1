/** Timeline event types: the append-only record every side effect is followed by. */
export const TIMELINE_TYPES = [
  'command.received',
  'request.submitted',
  'incident.opened',
  'plan.rendered',
  'approval.requested',
  'approval.granted',
  'approval.denied',
  'approval.expired',
  'approval.refused',
  'escalation.pinged',
  'level.escalated',
  'run.approved',
  'run.started',
  'run.observed',
  // One sample of every query step, taken before the first step: the "before" of the figures.
  'run.baseline',
  'run.confirm_requested',
  'run.confirmed',
  'step.started',
  'step.finished',
  'run.finished',
  'run.abort_requested',
  'run.interrupted',
  'run.adopted',
  'audit.anchored',
  'message.posted',
  'note.added',
  'incident.resolved',
  'incident.owner_changed',
  'run.baseline',
  'version.blocked',
  'version.unblocked',
  'deploy.recorded',
] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

export interface TimelineEvent {
  type: TimelineType;
  /** Who caused it: a Slack user id, `cli:<user>`, or `rollbot`. */
  actor: string;
  incidentId?: string;
  runId?: string;
  /** Small JSON payload; never contains secrets (callers mask before writing). */
  data?: Record<string, unknown>;
}

export interface StoredTimelineEvent extends TimelineEvent {
  seq: number;
  at: number;
  hash: string;
}
