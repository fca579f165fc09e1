/** The Slack flow as one object: every use case the listeners call, wired to one shared context. */
import { createContext, type FlowDeps } from './context.js';
import {
  type DecisionInput,
  decide,
  type RequestFields,
  startDrill,
  submitRequest,
  tick,
} from './requests.js';
import {
  abortRun,
  type createSlackConfirmer,
  postRca,
  type RunAction,
  recoverInterrupted,
  reopenRun,
  resolveIncident,
  startRun,
  unblockVersion,
} from './runs.js';

export function createSlackFlow(deps: FlowDeps, confirmations: ReturnType<typeof createSlackConfirmer>) {
  const ctx = createContext(deps);
  const running = new Set<Promise<void>>();
  const start = (runId: string, actor: string) => {
    const done = startRun(ctx, runId, actor);
    running.add(done);
    void done.finally(() => running.delete(done));
  };
  return {
    context: ctx,
    submit: (input: { user: string; viewId: string; fields: RequestFields; commandAt?: number }) =>
      submitRequest(ctx, input, start),
    drill: (input: {
      user: string;
      service: string;
      level: number;
      env: string;
      params: Record<string, string>;
    }) => startDrill(ctx, input, start),
    decide: (input: DecisionInput) => decide(ctx, input, start),
    abort: (action: RunAction) => abortRun(ctx, action),
    reopen: (action: RunAction & { level: number }) => reopenRun(ctx, action, start),
    resolve: (action: RunAction) => resolveIncident(ctx, action),
    rca: (input: { user: string; incidentId: string }) => postRca(ctx, input),
    unblock: (input: { user: string; service: string; version: string }) => unblockVersion(ctx, input),
    confirm: confirmations.answer,
    tick: () => tick(ctx, start),
    recoverInterrupted: () => recoverInterrupted(ctx),
    /** Resolves when every run started by this process has finished (tests, graceful shutdown). */
    idle: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

export type SlackFlow = ReturnType<typeof createSlackFlow>;
