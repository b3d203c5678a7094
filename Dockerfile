# The doris-operator image: one image for `manager` (the default command) and `webhook`.
#
# TypeScript runs as it is on Node.js 24 (type stripping): the image carries src/ and the
# production dependencies, no compiler and no build step, so what runs is exactly what the tests
# ran. Test files are left out (.dockerignore). test/install/image.test.ts performs these steps
# (the same COPY and RUN lines, read from this file) in a temporary folder and starts the manager
# from the result, as a non-root user.
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

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
# Any non-root UID works (OpenShift assigns its own); nothing under /app is written at run time,
# so the root filesystem can be read-only.
USER 65532:65532
ENTRYPOINT ["node", "/app/src/cli/main.ts"]
CMD ["manager"]
