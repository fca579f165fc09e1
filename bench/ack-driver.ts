/**
 * The ack benchmark's load generator, in a process of its own: it signs and sends slash
 * commands and times each HTTP answer, while the fake Slack (answering rollbot's views.open calls)
 * runs in the benchmark's main process. In production Slack is elsewhere; here its work must not
 * hold up the event loop that times the acks. Trigger ids and response urls are issued by the fake
 * in the main process just before each batch and travel with it (over the IPC channel).
 */
import { createSlackDriver } from '../test/support/fake-slack/index.js';

export interface DriverSetup {
  signingSecret: string;
  teamId: string;
  appId: string;
  concurrency: number;
  /** App name → its /slack/events URLs: requests alternate between them (replicas behind a balancer). */
  urls: Record<string, string[]>;
}

export interface BatchRequest {
  text: string;
  user_id: string;
  channel_id: string;
  trigger_id: string;
  response_url: string;
}

export interface BatchJob {
  target: string;
  requests: BatchRequest[];
}

export interface BatchResult {
  /** Milliseconds from sending each request to its complete HTTP answer. */
  samples: number[];
  /** When each request went out (epoch ms), by trigger id. */
  sentAt: Record<string, number>;
  error?: string;
}

/** The benchmark passes the setup as the one argument, in JSON. */
const setup = JSON.parse(process.argv[2] ?? '{}') as DriverSetup;
const slack = { teamId: setup.teamId, appId: setup.appId };
const drivers = new Map(
  Object.entries(setup.urls).map(([name, urls]) => [
    name,
    urls.map((url) => createSlackDriver({ signingSecret: setup.signingSecret, url, slack })),
  ]),
);
let sent = 0;

async function run(job: BatchJob): Promise<BatchResult> {
  const replicas = drivers.get(job.target);
  if (!replicas) throw new Error(`no app called ${job.target}`);
  const samples: number[] = [];
  const sentAt: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < job.requests.length) {
      const request = job.requests[next++]!;
      sentAt[request.trigger_id] = Date.now();
      // Round robin, as a load balancer in front of replicas would spread them.
      const res = await replicas[sent++ % replicas.length]!.slashCommand(request);
      if (res.status !== 200) throw new Error(`${job.target}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      samples.push(res.ms);
    }
  };
  await Promise.all(Array.from({ length: Math.min(setup.concurrency, job.requests.length) }, worker));
  return { samples, sentAt };
}

process.on('message', (job: BatchJob) => {
  run(job).then(
    (result) => process.send?.(result),
    (err: unknown) => process.send?.({ samples: [], sentAt: {}, error: String(err) } satisfies BatchResult),
  );
});
// The benchmark closes the channel when it is done.
process.on('disconnect', () => process.exit(0));
