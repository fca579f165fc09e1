# syntax=docker/dockerfile:1
# rollbot: multi-stage build on Node 20 Debian slim; runs as the unprivileged `node` user.
# Build:  docker build -t rollbot .
# Run:    docker run -d --name rollbot -v rollbot-data:/data \
#           -v /etc/rollbot/runbooks:/app/runbooks:ro -v /etc/rollbot/ssh:/etc/rollbot/ssh:ro \
#           -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN rollbot

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native addon when no prebuilt binary can be fetched; the same base
# image as the runtime stage keeps the addon ABI-compatible with the runtime's Node and glibc.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY views ./views
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

FROM node:20.20-bookworm-slim AS runtime
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
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root runbooks ./runbooks
# The SQLite database (WAL files included) and the step logs live here; back it up.
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/rollbot.js"]
CMD ["serve"]
