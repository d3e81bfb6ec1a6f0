# syntax=docker/dockerfile:1
# One image for every process: the command picks it (`worker` by default; `api`, `start`, `sim`, ...).
#   docker build -t zoom-bot-runner .
#   docker run --rm zoom-bot-runner --help

# ---- build: compile TypeScript, build both bot pages, keep production dependencies only ----------
FROM node:22-bookworm-slim AS build
WORKDIR /app

# Dependencies before sources, so a source change does not reinstall them. `--ignore-scripts`:
# `prepare` (npm run build) needs the sources, copied below; no dependency needs its install script
# (puppeteer-core downloads no browser, @zoom/meetingsdk's only prints a notice, msgpackr falls back
# to JavaScript without its native extension).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Everything `npm run build` reads: tsconfig.build.json's folders and the Vite page (web-client).
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY runner ./runner
COPY zoom-sim ./zoom-sim
COPY web-client ./web-client
# dist/ (runner, zoom-sim) and dist/web-client/{zoom,sim}, then drop the dev dependencies (Vite,
# TypeScript, vitest). @zoom/meetingsdk stays: the runner serves its dist/lib as the SDK's assetPath.
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && test -f dist/web-client/zoom/index.html \
  && test -f dist/web-client/sim/index.html \
  && test -d node_modules/@zoom/meetingsdk/dist/lib

# ---- runtime ------------------------------------------------------------------------------------
FROM node:22-bookworm-slim AS runtime

# Debian's Chromium (puppeteer-core drives it; nothing downloads a browser). Fonts so that display
# names and meeting UI in any script render: Latin (Liberation), CJK, colour emoji. tini runs as PID 1:
# it forwards SIGTERM to node (which hands bots off, then closes Chromium) and reaps the zombie
# processes Chromium leaves behind.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    chromium \
    fonts-liberation \
    fonts-noto-cjk \
    fonts-noto-color-emoji \
    tini \
    ca-certificates \
  && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
  CHROMIUM_PATH=/usr/bin/chromium \
  API_PORT=8080

WORKDIR /app
# Owned by root, run as `node`: the process can read its code but not change it. package.json is
# needed at run time too: the runner finds dist/web-client by walking up to it (findRepoRoot).
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The `node` user (uid 1000) of the official image; Chromium's profiles go to /tmp. Not root, so
# Chromium can sandbox its renderers in user namespaces (CHROMIUM_SANDBOX=auto; the container needs
# a seccomp profile that allows them: see docker-compose.yml and deploy/kubernetes/worker.yaml).
USER node

# /livez, /readyz, /metrics on every process; /v1 and the dashboard on `api` and `start`.
EXPOSE 8080
# Slim images have no curl: Node's fetch asks /livez (the event loop answers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || '8080') + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/runner/cli/main.js"]
CMD ["worker"]
