# syntax=docker/dockerfile:1
# Baton: a GitHub App. Two stages: `deps` compiles native modules (better-sqlite3) with a toolchain that the
# runtime image does not carry; the runtime image holds production dependencies and the TypeScript sources,
# which bin/baton.js runs through tsx (a runtime dependency), so there is no separate build step.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# Build tools for better-sqlite3, in case no prebuilt binary matches this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    BATON_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Application files are owned by root and read-only to the `node` user; only /data is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY app.yml ./
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Liveness only: /healthz does not touch the database or Redis (see /readyz for that).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/baton.js", "start"]
