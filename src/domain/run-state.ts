/** Run lifecycle. Terminal states never change again: the first terminal write wins. */
export const RUN_STATES = [
  'pending_approval',
  'approved',
  'running',
  'succeeded',
  'failed',
  'aborted',
  'denied',
  'expired',
  'interrupted',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const ACTIVE_STATES: readonly RunState[] = ['pending_approval', 'approved', 'running'];
export const TERMINAL_STATES: readonly RunState[] = [
  'succeeded',
  'failed',
  'aborted',
  'denied',
  'expired',
  'interrupted',
];

const TRANSITIONS: Record<RunState, readonly RunState[]> = {
  // interrupted: no live process could execute it (its plan predates durable runs, say).
  pending_approval: ['approved', 'denied', 'expired', 'aborted', 'interrupted'],
  approved: ['running', 'aborted', 'interrupted'],
  running: ['succeeded', 'failed', 'aborted', 'interrupted'],
  succeeded: [],
  failed: [],
  aborted: [],
  denied: [],
  expired: [],
  interrupted: [],
};

export function canTransition(from: RunState, to: RunState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}
