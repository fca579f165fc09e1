/** `/rollback`: ack at once, parse the text, then open the modal or answer ephemerally. Runs nothing. */
import type { App } from '@slack/bolt';
import { parseSlash } from '../src/domain/slash-grammar.js';
import { errorWithUsage, helpText } from '../views/help.js';
import { historyText } from '../views/history.js';
import { statusText } from '../views/status.js';
import type { ListenerDeps } from './deps.js';
import { encodeMetadata } from './modal-state.js';
import { requestForm } from './modal-view.js';

export const COMMAND = '/rollback';

export function register(app: App, deps: ListenerDeps): void {
  app.command(COMMAND, async ({ ack, command, context, respond }) => {
    // Slack does not retry slash commands, but a proxy might: a retry must not open a second form.
    if ((context.retryNum ?? 0) > 0) {
      await ack();
      return;
    }
    const parsed = parseSlash(command.text ?? '');
    if (!parsed.ok) {
      await ack(errorWithUsage(parsed.message));
      return;
    }
    const cmd = parsed.command;
    switch (cmd.kind) {
      case 'help':
        await ack(helpText());
        return;
      case 'status':
        await ack(statusText(await deps.queries.status(), Date.now(), deps.queries.channelNotice()));
        return;
      case 'history': {
        const { rows, mttr } = await deps.queries.history(cmd.service);
        await ack(historyText(rows, mttr, cmd.service));
        return;
      }
      case 'note': {
        const noted = await deps.services.note({ incidentId: cmd.incidentId, user: command.user_id, text: cmd.text });
        await ack({ response_type: 'ephemeral', text: noted.message });
        return;
      }
      case 'rca': {
        await ack();
        const posted = await deps.services.postRca(cmd.incidentId);
        await respond({ response_type: 'ephemeral', text: posted.message });
        return;
      }
      case 'unblock': {
        await ack();
        const result = await deps.services.unblock({ user: command.user_id, ...cmd });
        await respond({ response_type: 'ephemeral', text: result.message });
        return;
      }
      case 'drill': {
        if (!deps.catalog.get(cmd.service)) {
          await ack(errorWithUsage(unknownService(deps, cmd.service)));
          return;
        }
        await ack();
        const started = await deps.services.request(
          {
            service: cmd.service,
            env: cmd.env,
            level: cmd.level,
            severity: 'minor',
            reason: `Rollback drill, level ${cmd.level}`,
            requestedBy: command.user_id,
            params: cmd.params,
            drill: true,
          },
          { via: 'slack' },
        );
        const text = !started.ok
          ? started.message
          : started.run.state === 'approved'
            ? `Drill ${started.incident.id} started on ${cmd.env} (a drill environment: no approval needed).`
            : `Drill ${started.incident.id} on ${cmd.env} needs ${started.run.approvalsRequired} approval(s), like a real run there: see the thread.`;
        await respond({ response_type: 'ephemeral', text });
        return;
      }
      case 'modal':
      case 'request': {
        const prefill = cmd.kind === 'request' ? { ...cmd, params: cmd.params } : { params: {} };
        if (cmd.kind === 'request' && !deps.catalog.get(cmd.service)) {
          await ack(errorWithUsage(unknownService(deps, cmd.service)));
          return;
        }
        const secret = cmd.kind === 'request' ? secretParamGiven(deps, cmd.service, cmd.params) : undefined;
        if (secret) {
          await ack(errorWithUsage(secret));
          return;
        }
        await ack();
        // Requests already waiting on the socket get their acks before this one's form is built:
        // Slack's 3 s limit is on the ack; the trigger leaves ample time for the form.
        await new Promise((r) => setImmediate(r));
        const view = requestForm(
          deps,
          cmd.kind === 'request' ? deps.catalog.get(cmd.service) : undefined,
          prefill,
          encodeMetadata({ channel: command.channel_id, user: command.user_id, at: Date.now() }),
        );
        try {
          await deps.openView(command.trigger_id, view);
        } catch (err) {
          deps.logger.error({ err }, 'views.open failed');
          await respond({
            response_type: 'ephemeral',
            text: 'Could not open the rollback form; please try again.',
          });
        }
        return;
      }
    }
  });
}

/** Slack never takes a secret's value: the bot reads it where the runbook says. */
function secretParamGiven(deps: ListenerDeps, service: string, params: Record<string, string>): string | undefined {
  const runbook = deps.catalog.get(service);
  const name = Object.keys(params).find((n) => runbook?.params[n]?.secret);
  if (name === undefined) return undefined;
  const from = runbook?.params[name]?.from;
  return `${name} is a secret: rollbot reads it ${from ? `from ${from}` : 'only at the terminal (rollbot run --set)'}, never from Slack. Leave it out.`;
}

function unknownService(deps: ListenerDeps, service: string): string {
  return `Unknown service "${service}". Known services: ${deps.catalog.names().join(', ') || '(none)'}`;
}
