/** Slack use cases once a run is approved: execute with live progress, abort, retry, escalate, resolve. */
import { SECRET_MASK } from '../../domain/plan.js';
import { checkOperator } from '../../domain/policy.js';
import { fail, type Result } from '../../domain/result.js';
import { isTerminal } from '../../domain/run-state.js';
import type { RunObserver } from '../execute-plan.js';
import { prevailingVersion } from '../observe-versions.js';
import type { Confirmer } from '../ports.js';
import type { FlowContext } from './context.js';
import type { ProgressPhase, RunView } from './ports.js';
import { announce } from './requests.js';
import { createThrottle } from './throttle.js';

/** Slack allows roughly one chat.update per second per message; stay under it and coalesce. */
export const PROGRESS_INTERVAL_MS = 1500;
/** How often a running run looks for an abort asked for on another process. */
const ABORT_POLL_MS = 500;

export function startRun(ctx: FlowContext, runId: string, actor: string): Promise<void> {
  const view = ctx.viewOf(runId);
  if (!view) return Promise.resolve();
  if (!ctx.rollback.canExecute(runId)) {
    // Approved through another process sharing the database, which cannot rebuild this plan (it
    // used a secret): the process that opened the run starts it on its next tick.
    ctx.logger.info({ runId }, 'run approved here; the process that opened it will execute it');
    return Promise.resolve();
  }
  const controller = new AbortController();
  ctx.controllers.set(runId, controller);
  // An Abort clicked on another bot process sharing the database arrives through the timeline.
  const watch = setInterval(() => {
    if (!controller.signal.aborted && ctx.store.runHasEvent(runId, 'run.abort_requested')) controller.abort();
  }, ABORT_POLL_MS);
  watch.unref();
  let phase: ProgressPhase = { kind: 'running' };
  const throttle = createThrottle(() => ctx.notifier.progress(view, phase), PROGRESS_INTERVAL_MS);
  const observer: RunObserver = {
    stepStarted: () => throttle.poke(),
    stepFinished: () => throttle.poke(),
    confirmRequested: (step) => {
      phase = { kind: 'confirm', stepIndex: step.index };
      throttle.poke();
    },
    confirmAnswered: () => {
      phase = { kind: 'running' };
      throttle.poke();
    },
  };
  void ctx.notifier.root(view, 'Rolling back');
  throttle.poke();
  const previous = view.run.escalatedFrom ? ctx.store.getRun(view.run.escalatedFrom) : undefined;
  const resumeFrom = previous && previous.level === view.run.level ? previous.id : undefined;
  return ctx.rollback
    .execute(runId, { actor, signal: controller.signal, observer, ...(resumeFrom ? { resumeFrom } : {}) })
    .then(async (result) => {
      clearInterval(watch);
      ctx.controllers.delete(runId);
      if (!result.ok) {
        ctx.logger.error({ runId, code: result.code }, result.message);
        return;
      }
      const { outcome } = result;
      phase = outcome.status === 'aborted' ? { kind: 'aborted' } : { kind: outcome.status };
      await throttle.flush(true);
      const after = ctx.viewOf(runId) ?? view;
      if (outcome.status === 'succeeded') {
        void ctx.notifier.root(after, 'Verifying: mark Resolved or escalate');
      } else {
        const first = outcome.failures[0];
        const detail =
          outcome.abortReason ?? (first ? `${first.step.name} failed on ${first.host}` : outcome.status);
        void ctx.notifier.ended(after, outcome.status === 'aborted' ? 'aborted' : 'failed', detail);
      }
    })
    .catch((err: unknown) => {
      clearInterval(watch);
      ctx.controllers.delete(runId);
      ctx.logger.error({ err, runId }, 'run crashed');
    });
}

export interface RunAction {
  user: string;
  runId: string;
  /** The clicking user's workspace; a click from another one is refused (and on the timeline). */
  teamId?: string;
}

/** Abort: signals the running steps (TERM, then KILL), or cancels a request still waiting. */
export async function abortRun(ctx: FlowContext, action: RunAction): Promise<Result<{ message: string }>> {
  const allowed = await operatorCheck(ctx, action);
  if (!allowed.ok) return allowed;
  const { view } = allowed;
  const controller = ctx.controllers.get(action.runId);
  if (controller) {
    ctx.store.appendTimeline({ type: 'run.abort_requested', actor: action.user, runId: action.runId });
    controller.abort();
    return { ok: true, message: 'Aborting: the running steps are being stopped.' };
  }
  if (ctx.store.getRun(action.runId)?.state === 'running') {
    // Running on another bot process: it sees the request on the timeline and stops its steps.
    ctx.store.appendTimeline({
      type: 'run.abort_requested',
      actor: action.user,
      runId: action.runId,
      data: { via: 'another process' },
    });
    return { ok: true, message: 'Aborting: the bot process running it is stopping the steps.' };
  }
  const cancelled = ctx.store.transitionRun(action.runId, ['pending_approval', 'approved'], 'aborted', {
    type: 'run.finished',
    actor: action.user,
    runId: action.runId,
    data: { status: 'aborted' },
  });
  if (!cancelled) {
    // Read again: the run may have finished while the approvers were being looked up.
    const state = ctx.store.getRun(action.runId)?.state ?? view.run.state;
    return fail('already_decided', `Run ${action.runId} is ${state}; there is nothing to abort.`);
  }
  ctx.rollback.discard(action.runId);
  void ctx.notifier.ended(ctx.viewOf(action.runId) ?? view, 'aborted', 'Aborted', action.user);
  return { ok: true, message: 'Aborted before anything ran.' };
}

/**
 * Retry (same level, skipping what already succeeded) or escalate (level + 1): a new run on the
 * same incident. It is a new request, so it needs that level's approvals from someone else.
 */
export async function reopenRun(
  ctx: FlowContext,
  action: RunAction & { level: number },
  start: (runId: string, actor: string) => void,
): Promise<Result<{ runId: string }>> {
  const allowed = await operatorCheck(ctx, action);
  if (!allowed.ok) return allowed;
  const { view } = allowed;
  if (!isTerminal(view.run.state))
    return fail('already_decided', `Run ${view.run.id} is still ${view.run.state}.`);
  if (action.level < view.run.level || action.level > 3)
    return fail('invalid_input', 'There is no such level to go to.');
  const params = JSON.parse(view.run.paramsJson) as Record<string, string>;
  if (Object.values(params).includes(SECRET_MASK)) {
    return fail(
      'invalid_input',
      'This run used a secret parameter, which rollbot does not keep: request it again with /rollback.',
    );
  }
  const opened = ctx.rollback.open(
    {
      service: view.run.service,
      env: view.run.env,
      level: action.level,
      severity: view.incident.severity,
      reason: view.incident.reason,
      requestedBy: action.user,
      params,
      hosts: view.plan.hosts.map((h) => h.name),
      drill: view.incident.kind === 'drill',
    },
    { incidentId: view.incident.id, escalatedFrom: view.run.id },
  );
  if (!opened.ok) return opened;
  if (action.level > view.run.level) {
    ctx.store.appendTimeline({
      type: 'level.escalated',
      actor: action.user,
      runId: opened.run.id,
      data: { from: view.run.level, to: action.level, previousRun: view.run.id },
    });
  }
  announce(ctx, opened, false, start);
  return { ok: true, runId: opened.run.id };
}

/** Marks the incident resolved after a successful run: resolution message and final root status. */
export async function resolveIncident(
  ctx: FlowContext,
  action: RunAction,
): Promise<Result<{ message: string }>> {
  const allowed = await operatorCheck(ctx, action);
  if (!allowed.ok) return allowed;
  const { view } = allowed;
  if (view.run.state !== 'succeeded')
    return fail('invalid_input', 'Only a run that succeeded can resolve the incident.');
  if (!ctx.store.resolveIncident(view.incident.id, action.user)) {
    return fail('already_decided', `${view.incident.id} is already resolved.`);
  }
  const blocked = blockBadVersion(ctx, view, action.user);
  void ctx.notifier.resolution(ctx.viewOf(action.runId) ?? view, action.user);
  const note = blocked
    ? ` ${blocked} is now blocked from redeploying (GET /blocked/${view.run.service}).`
    : '';
  return { ok: true, message: `${view.incident.id} resolved.${note}` };
}

/**
 * Seed 004's "prevent re-deployment": the version the hosts reported before the incident's first
 * run, when the rollback moved them to a different one, is blocked for the deploy pipeline.
 */
function blockBadVersion(ctx: FlowContext, view: RunView, user: string): string | undefined {
  if (view.incident.kind === 'drill') return undefined;
  const observed = ctx.store
    .timeline(view.incident.id)
    .find((e) => e.type === 'run.observed' && e.data?.versions !== undefined);
  const from = prevailingVersion((observed?.data?.versions ?? {}) as Record<string, string | null>);
  const to = view.plan.params.version;
  if (!from || from === to || from === SECRET_MASK) return undefined;
  ctx.store.blockVersion(view.run.service, from, user, view.incident.id);
  return from;
}

/** Confirm steps in Slack: the run waits until the requester or an approver answers. */
export function createSlackConfirmer(ctx: () => FlowContext) {
  const waiting = new Map<string, (answer: { ok: boolean; by: string }) => void>();
  const confirmer: Confirmer = {
    confirm(_question, { runId, signal }) {
      return new Promise((resolve) => {
        const done = (answer: { ok: boolean; by: string }) => {
          waiting.delete(runId);
          resolve(answer);
        };
        waiting.set(runId, done);
        signal.addEventListener('abort', () => done({ ok: false, by: 'abort' }), { once: true });
      });
    },
  };
  const answer = async (action: RunAction & { ok: boolean }): Promise<Result<{ message: string }>> => {
    const allowed = await operatorCheck(ctx(), action);
    if (!allowed.ok) return allowed;
    const resolve = waiting.get(action.runId);
    if (!resolve) return fail('already_decided', 'This run is not waiting for a confirmation.');
    resolve({ ok: action.ok, by: action.user });
    return { ok: true, message: action.ok ? 'Continuing.' : 'Cancelled: the run stops here.' };
  };
  return { confirmer, answer };
}

/** On start: runs a dead process left behind become `interrupted`, and their threads are told. */
export function recoverInterrupted(ctx: FlowContext): number {
  const runs = ctx.store.interruptStaleRuns();
  for (const run of runs) {
    const view = ctx.viewOf(run.id);
    if (!view?.incident.slackTs) continue;
    void ctx.notifier.progress(view, { kind: 'interrupted' });
    void ctx.notifier.ended(
      view,
      'interrupted',
      'rollbot restarted while this run was in progress. Steps that were running have an unknown outcome; nothing was re-run. Check the hosts, then retry or escalate.',
    );
  }
  return runs.length;
}

async function operatorCheck(ctx: FlowContext, action: RunAction): Promise<Result<{ view: RunView }>> {
  const view = ctx.viewOf(action.runId);
  if (!view) return fail('not_found', 'This run no longer exists.');
  const runbook = ctx.runbookOf(view.run.service);
  const members = await ctx.directory.members(runbook?.approvers ?? []);
  const teamId = ctx.teamId();
  const check = checkOperator(
    view.run,
    { user: action.user, ...(action.teamId ? { teamId: action.teamId } : {}) },
    { approvers: { members }, ...(teamId ? { teamId } : {}) },
  );
  if (!check.ok) {
    ctx.store.appendTimeline({
      type: 'approval.refused',
      actor: action.user,
      runId: action.runId,
      data: { code: check.code, action: 'operate', ...(action.teamId ? { teamId: action.teamId } : {}) },
    });
    return fail(check.code, check.message);
  }
  return { ok: true, view };
}

/** `/rollback unblock <service> <version>`: approvers only; on the timeline. */
export async function unblockVersion(
  ctx: FlowContext,
  input: { user: string; service: string; version: string },
): Promise<Result<{ message: string }>> {
  const runbook = ctx.runbookOf(input.service);
  if (!runbook) return fail('unknown_service', `Unknown service "${input.service}".`);
  const members = await ctx.directory.members(runbook.approvers);
  if (!members.has(input.user)) {
    ctx.store.appendTimeline({
      type: 'approval.refused',
      actor: input.user,
      data: { action: 'unblock', service: input.service, version: input.version, code: 'not_authorized' },
    });
    return fail('not_authorized', `Only an approver of ${input.service} can unblock a version.`);
  }
  if (!ctx.store.unblockVersion(input.service, input.version, input.user)) {
    return fail('not_found', `${input.service} ${input.version} is not blocked.`);
  }
  return { ok: true, message: `${input.service} ${input.version} is no longer blocked.` };
}

/** `/rollback rca <INC>`: the RCA draft, from the timeline so far, into the incident thread. */
export function postRca(
  ctx: FlowContext,
  input: { user: string; incidentId: string },
): Result<{ message: string }> {
  const runs = ctx.store.runsOfIncident(input.incidentId);
  const last = runs.at(-1);
  const view = last ? ctx.viewOf(last.id) : undefined;
  if (!view) return fail('not_found', `No incident ${input.incidentId}.`);
  if (!view.incident.slackTs)
    return fail('not_found', `${input.incidentId} has no Slack thread; use \`rollbot rca\`.`);
  void ctx.notifier.rcaDraft(view);
  return { ok: true, message: `Posting the RCA draft for ${input.incidentId} in its thread.` };
}
