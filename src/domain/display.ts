/** The phases a run's Slack messages show; shared by the use cases that choose them and the views that draw them. */

export type ProgressPhase =
  | { kind: 'waiting' }
  | { kind: 'running' }
  /** Paused at a `confirm` step until someone answers. */
  | { kind: 'confirm'; stepIndex: number }
  | { kind: 'failed' }
  | { kind: 'succeeded' }
  | { kind: 'aborted'; by?: string }
  | { kind: 'interrupted' };

export type ApprovalState =
  | { kind: 'pending' }
  | { kind: 'approved' }
  | { kind: 'denied'; by: string; reason?: string }
  | { kind: 'expired' };

/** The root's "current action" after a failure: the failure itself is in the progress message. */
export const FAILED_ACTION = 'Decide in the thread: Retry, Escalate or Abort';

/**
 * The incident root's "Current action" for its latest run, when nothing more specific is being
 * said (an abort's reason, a denial): what the thread is waiting for, in the run's own terms.
 */
export function currentActionOf(
  run: { state: string; approvalsRequired: number },
  incidentResolved: boolean,
): string {
  if (incidentResolved) return 'Resolved';
  switch (run.state) {
    case 'pending_approval':
      return `Waiting for ${run.approvalsRequired} approval(s)`;
    case 'approved':
    case 'running':
      return 'Rolling back';
    case 'succeeded':
      return 'Verifying: mark Resolved or escalate';
    case 'failed':
    case 'interrupted':
      return FAILED_ACTION;
    case 'aborted':
      return 'Aborted';
    case 'denied':
      return 'Denied';
    default:
      return 'No approval in time';
  }
}
