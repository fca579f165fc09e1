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
