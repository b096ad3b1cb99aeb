# Lightbox: a virtual DICOM film printer. DICOM on 11112, HTTP API and console on 8080.

# ---- build: compile TypeScript with the dev dependencies ----
# Node 24 LTS, as package.json's engines say (README, "Runtime"). No compiler: nothing is built
# natively (the store uses Node's own node:sqlite; sharp comes prebuilt).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
# printers/ may be absent from a fresh clone (git keeps no empty directories). Then only the
# production dependencies stay for the runtime stage to copy, less the Node binary npm ci installs
# for machines without Node 24 (node-linux-*): the image has its own.
RUN npm run build && mkdir -p printers && npm prune --omit=dev \
  && rm -rf node_modules/node-linux-* node_modules/.bin/node

# ---- runtime: production dependencies, compiled code, printer profiles, scenarios ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Film annotations are drawn with a system font.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Installed in the build stage (same base image): no compiler in this image either.
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/printers ./printers
# Test-lab scenarios, where the default --scenarios looks (arm one with LIGHTBOX_SCENARIO=queue-full).
COPY --from=build /src/scenarios ./scenarios
# The web console: static files, served from web/ next to package.json.
COPY --from=build /src/web ./web
# The specification notes the console links findings to (/spec/...).
COPY --from=build /src/docs ./docs
# Films and their index database (logs go to stdout). Created here, owned by the runtime user, so a
# fresh named volume inherits both.
ENV LIGHTBOX_DATA_DIR=/var/lib/lightbox
RUN mkdir -p /var/lib/lightbox && chown node:node /var/lib/lightbox
# The image's unprivileged "node" user (uid 1000).
USER node
EXPOSE 11112 8080
# No curl in the slim image: node's fetch. Follows LIGHTBOX_HTTP_PORT when the port is changed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LIGHTBOX_HTTP_PORT||8080)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself (graceful shutdown, exit 0). The V8 flags are npm start's
# (package.json, where the README says why): a 2 MiB young generation, a 64 MiB old-space floor.
CMD ["node", "--max-semi-space-size=2", "--initial-old-space-size=64", "dist/src/main.js"]
