# The doris-operator image: one image for `manager` (the default command) and `webhook`.
#
# The build stage compiles src/ to JavaScript with tsc (tsconfig.build.json); the image carries
# that and the production dependencies only. Node.js could run the TypeScript as it is, but type
# stripping costs ~30 MiB of memory and ~80 ms at every start. Test files are left out
# (.dockerignore). test/install/image.test.ts performs these steps (the same COPY and RUN lines,
# read from this file) in a temporary folder and starts the manager from the result, as a non-root
# user; bench/run-footprint.ts measures the manager started with this ENTRYPOINT.
#
#   docker build -t doris-operator:0.1.0 .

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, at the versions of package-lock.json; no install scripts run.
# `npm install` with the lock file present installs the locked versions (the image test checks
# each one); `npm ci` would be stricter but refuses this lock file, which lacks the other
# platforms' optional packages of a dev tool (biome) that the project's registry does not serve.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# A young generation of 1 MiB instead of up to 16: an operator allocates little per second, and
# V8's default lets a burst of passes grow the resident set by tens of MiB. --optimize-for-size
# makes V8 grow the old generation in smaller steps and give pages back: with 100 clusters the
# manager kept ~225 MiB of free V8 pages without it. --lite-mode leaves out the optimizing compiler:
# an operator runs little hot code, and the compiler's code and data were ~10 MiB of an idle
# manager's ~82 (CPU at rest and while converging stayed within the targets; bench/README.md).
# Any non-root UID works (OpenShift assigns its own); nothing under /app is written at run time,
# so the root filesystem can be read-only.
USER 65532:65532
ENTRYPOINT ["node", "--max-semi-space-size=1", "--optimize-for-size", "--lite-mode", "/app/dist/cli/main.js"]
CMD ["manager"]
