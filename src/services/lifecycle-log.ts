/**
 * The incident lifecycle in the log: each request, approval, denial and ending the thread is told
 * about is also one log line, with the ids an operator searches by (incident, run, service, env,
 * rollback level). Wrapping the notifier gives Slack and the terminal the same lines from one place; the
 * executor adds run start, step failures and the run's end, which it alone sees, and resolve the
 * resolution with the audit head.
 */
import type { StepResult } from '../domain/step-result.js';
import type { Logger } from '../logger.js';
import type { IncidentNotifier, RunView } from './notifier.js';

/** The ids every lifecycle line carries. */
export function runIds(view: Pick<RunView, 'run'>) {
  const { run } = view;
  return {
    incidentId: run.incidentId,
    runId: run.id,
    service: run.service,
    env: run.env,
    rollbackLevel: run.level,
    ...(run.drill ? { drill: true } : {}),
  };
}

/** One log line for a step that did not succeed on a host; the result is already masked. */
export function logStepFailure(
  logger: Logger,
  view: Pick<RunView, 'run'>,
  step: { index: number; name: string },
  host: string,
  result: StepResult,
): void {
  if (result.ok) return;
  logger.warn(
    {
      ...runIds(view),
      step: step.name,
      stepIndex: step.index,
      host,
      exitCode: result.exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      ...(result.timedOut ? { timedOut: true } : {}),
      ...(result.canceled ? { canceled: true } : {}),
      ...(result.outcomeUnknown ? { outcomeUnknown: true } : {}),
      ...(result.error ? { reason: result.error } : {}),
    },
    'step failed',
  );
}

/** The notifier, with a log line for each lifecycle change it is told about. */
export function loggedNotifier(inner: IncidentNotifier, logger: Logger): IncidentNotifier {
  return {
    ...inner,
    async opened(view, firstRun) {
      logger.info(
        {
          ...runIds(view),
          severity: view.incident.severity,
          requestedBy: view.run.requestedBy,
          planHash: view.run.planHash,
          hosts: view.plan.hosts.length,
          ...(view.run.escalatedFrom ? { from: view.run.escalatedFrom } : {}),
        },
        firstRun ? 'rollback requested' : 'rollback requested again',
      );
      await inner.opened(view, firstRun);
    },
    async approval(view, approval) {
      const ids = { ...runIds(view), required: approval.required, approvedBy: approval.approvedBy };
      // A denial or an expiry is logged once, by `ended`.
      const message = {
        approved: 'run approved',
        pending: approval.approvedBy.length > 0 ? 'approval recorded' : 'waiting for approval',
        denied: undefined,
        expired: undefined,
      }[approval.state.kind];
      if (message) logger.info({ ...ids, approvers: approval.approvers.length }, message);
      await inner.approval(view, approval);
    },
    async ended(view, ending, detail, by) {
      logger.warn(
        { ...runIds(view), ending, ...(detail ? { detail } : {}), ...(by ? { by } : {}) },
        `run ${ending}`,
      );
      await inner.ended(view, ending, detail, by);
    },
  };
}
