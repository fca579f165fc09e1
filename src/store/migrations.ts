/** Numbered SQLite schema migrations: entry i brings the database from version i to i + 1. Append only. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('incident', 'drill')),
    service       TEXT NOT NULL,
    env           TEXT NOT NULL,
    severity      TEXT NOT NULL,
    level         INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    opened_at     INTEGER NOT NULL,
    resolved_at   INTEGER,
    slack_channel TEXT,
    slack_ts      TEXT
  ) STRICT;

  CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE runs (
    id             TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents(id),
    service        TEXT NOT NULL,
    env            TEXT NOT NULL,
    level          INTEGER NOT NULL,
    drill          INTEGER NOT NULL CHECK (drill IN (0, 1)),
    state          TEXT NOT NULL CHECK (state IN ('pending_approval', 'approved', 'running', 'succeeded',
                     'failed', 'aborted', 'denied', 'expired', 'interrupted')),
    plan_hash      TEXT NOT NULL,
    plan_json      TEXT NOT NULL,
    params_json    TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER,
    target_ms      INTEGER NOT NULL,
    error          TEXT,
    escalated_from TEXT REFERENCES runs(id),
    -- The process driving the run; see owner.ts.
    owner_host     TEXT,
    owner_pid      INTEGER,
    owner_token    TEXT
  ) STRICT;
  CREATE INDEX runs_incident ON runs(incident_id);
  CREATE INDEX runs_service_created ON runs(service, created_at);
  -- The lock: at most one active run per service and environment, enforced across processes.
  CREATE UNIQUE INDEX runs_one_active ON runs(service, env)
    WHERE state IN ('pending_approval', 'approved', 'running');

  CREATE TABLE step_results (
    run_id      TEXT NOT NULL REFERENCES runs(id),
    step_index  INTEGER NOT NULL,
    host        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'ok', 'failed', 'timed_out', 'canceled',
                  'unknown', 'skipped')),
    exit_code   INTEGER,
    signal      TEXT,
    started_at  INTEGER,
    finished_at INTEGER,
    duration_ms INTEGER,
    tail        TEXT,
    error       TEXT,
    log_file    TEXT,
    PRIMARY KEY (run_id, step_index, host)
  ) STRICT;

  CREATE TABLE approvals (
    run_id    TEXT NOT NULL REFERENCES runs(id),
    approver  TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    decision  TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
    at        INTEGER NOT NULL,
    UNIQUE (run_id, approver)
  ) STRICT;

  -- No foreign keys: audit rows must outlive anything they mention.
  CREATE TABLE timeline (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    type        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    incident_id TEXT,
    run_id      TEXT,
    data_json   TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX timeline_incident ON timeline(incident_id);
  CREATE INDEX timeline_run ON timeline(run_id);

  CREATE TABLE blocked_versions (
    service     TEXT NOT NULL,
    version     TEXT NOT NULL,
    blocked_at  INTEGER NOT NULL,
    by          TEXT NOT NULL,
    incident_id TEXT,
    PRIMARY KEY (service, version)
  ) STRICT;
  `,
  // 2: Slack message references per run (so a restarted bot can still edit them) and
  // idempotency keys (a retried Slack request or a double submit is recognised and ignored).
  `
  CREATE TABLE run_messages (
    run_id  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts      TEXT NOT NULL,
    PRIMARY KEY (run_id, kind)
  ) STRICT;

  CREATE TABLE request_keys (
    key    TEXT PRIMARY KEY,
    at     INTEGER NOT NULL,
    run_id TEXT
  ) STRICT;
  `,
  // 3: the Slack outbox. Messages are written here first and delivered in order per incident,
  // so an outage or a restart delays them but never loses or duplicates them.
  `
  CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL,
    run_id       TEXT,
    coalesce_key TEXT,
    payload_json TEXT NOT NULL,
    revision     INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER,
    error        TEXT
  ) STRICT;
  CREATE INDEX outbox_pending ON outbox(state, incident_id, seq);
  `,
  // 4: durable runs and replicas. A run stores its executable plan (secrets as references) and the
  // approvals it needs; the process holding it is an instance with a lease; the outbox is claimed
  // per incident; the timeline's head lives in a row (the same in both dialects) and rows may be HMACs;
  // deploys are recorded; query steps keep their samples.
  `
  ALTER TABLE runs ADD COLUMN plan_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE runs ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN owner TEXT;
  UPDATE runs SET owner = owner_host || ':' || owner_pid WHERE owner_host IS NOT NULL;

  ALTER TABLE incidents ADD COLUMN impact TEXT;
  ALTER TABLE incidents ADD COLUMN owner TEXT;
  ALTER TABLE incidents ADD COLUMN resolved_by TEXT;
  ALTER TABLE incidents ADD COLUMN resolution_json TEXT;
  CREATE INDEX incidents_status ON incidents(status, opened_at);

  CREATE TABLE instances (
    id           TEXT PRIMARY KEY,
    token        TEXT NOT NULL,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  ) STRICT;

  ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
  ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
  CREATE INDEX outbox_coalesce ON outbox(coalesce_key, state);

  ALTER TABLE request_keys ADD COLUMN expires_at INTEGER;
  CREATE INDEX request_keys_expiry ON request_keys(expires_at);

  ALTER TABLE timeline ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0 CHECK (keyed IN (0, 1));
  CREATE TABLE timeline_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL,
    -- The first row written with ROLLBOT_AUDIT_KEY, and an HMAC of that number under the key: every
    -- row from there on must be keyed, and nobody without the key can move or forge the mark.
    keyed_since     INTEGER,
    keyed_since_mac TEXT
  ) STRICT;
  INSERT INTO timeline_head (id, seq, hash) VALUES (1,
    COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'timeline'), 0),
    COALESCE((SELECT hash FROM timeline ORDER BY seq DESC LIMIT 1), '${'0'.repeat(64)}'));

  CREATE TABLE deploys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    service     TEXT NOT NULL,
    env         TEXT NOT NULL,
    version     TEXT NOT NULL,
    commit_sha  TEXT,
    url         TEXT,
    at          INTEGER NOT NULL,
    by          TEXT NOT NULL
  ) STRICT;
  CREATE INDEX deploys_service ON deploys(service, env, at);

  -- The samples a query step measured (JSON), for the progress message and the RCA's figures.
  ALTER TABLE step_results ADD COLUMN samples_json TEXT;
  `,
];
