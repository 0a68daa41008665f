# syntax=docker/dockerfile:1
# pve-clonebot image: compiled JavaScript on Node 20, production dependencies only, running as `node`.
#   docker build -t pve-clonebot .
#   docker run --env-file .env -p 3000:3000 pve-clonebot                      # bot + worker in one process
#   docker run --env-file .env pve-clonebot node dist/main.js worker          # a worker only (bot: `... bot`)

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies (TypeScript), compile src/ to dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/ only ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# The base image's unprivileged user; the app writes nothing to disk.
USER node
EXPOSE 3000
# Slim images have no curl: probe /healthz (Redis and Proxmox reachable) with Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Bot and worker in one process (the node flags: see README, "Memory"); append `bot` or `worker` to run one of them (see docker-compose.yml).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=10", "dist/main.js"]
