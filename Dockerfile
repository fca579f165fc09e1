# syntax=docker/dockerfile:1
# rollbot: two stages on Node 24 LTS (Debian 12 slim); runs as the unprivileged `node` user (uid 1000).
# Build:  docker build -t rollbot .
# Run:    see deploy/docker-compose.yml, or
#         docker run -d --name rollbot -v rollbot-data:/data \
#           -v /etc/rollbot/runbooks:/app/runbooks:ro -v /etc/rollbot/ssh:/etc/rollbot/ssh:ro \
#           -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN rollbot
# The same Node version in both stages: better-sqlite3's addon is compiled for the build stage's
# Node ABI and glibc and runs only there.
ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# No prebuilt better-sqlite3 binary is fetched: it compiles from source (python3, make, g++).
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY views ./views
# Compile, drop the development dependencies (tsx, vitest, typescript, ws…), type declarations some
# Slack packages list as dependencies, then better-sqlite3's build leftovers: the SQLite sources,
# object files and Makefiles (about 26 MB); only the addon runs.
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/@types \
    && cd node_modules/better-sqlite3 \
    && find build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
    && find build/Release -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} + \
    && rm -rf deps src binding.gyp \
    && cd /app \
    && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini is PID 1: it forwards SIGTERM (graceful shutdown waits for running rollbacks) and reaps
# the orphaned children that local steps can leave behind.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data /etc/rollbot/ssh \
    && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    ROLLBOT_DB=/data/rollbot.db \
    ROLLBOT_RUNBOOKS=/app/runbooks \
    ROLLBOT_SSH_KEY=/etc/rollbot/ssh/id_ed25519 \
    ROLLBOT_KNOWN_HOSTS=/etc/rollbot/ssh/known_hosts
# Everything the process runs is owned by root: the `node` user can read it, not change it.
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
# The example runbooks (.dockerignore leaves out demo.yml: it drives demo/, which is not shipped).
COPY --chown=root:root runbooks ./runbooks
# The SQLite database (WAL files included) and the step logs live here; back it up.
VOLUME ["/data"]
USER node
# PORT: Slack's events (HTTP mode only). ROLLBOT_OPS_PORT, when set: /healthz, /metrics, /blocked, /deploys.
EXPOSE 3000
# Start-up takes a second or two; three misses 30 s apart (no --start-period, which dockerfilelint
# 1.8 misreads) leave it ample time before the container is marked unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["node", "-e", "const p=process.env.ROLLBOT_OPS_PORT||process.env.PORT||3000;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "/app/bin/rollbot.js"]
CMD ["serve"]
