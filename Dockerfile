# syntax=docker/dockerfile:1
# The pointsman image. Node.js 24 runs the TypeScript sources as they are (type stripping), so
# there is no build step: the image holds bin/, src/, package.json and the production
# dependencies, and runs as an unprivileged user. Build: docker build -t pointsman:0.1.0 .

# Production dependencies only (the `node` runtime package and the tools are dev dependencies;
# none of the production ones has an install script).
FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="pointsman" \
      org.opencontainers.image.description="A Kubernetes Ingress controller in TypeScript" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# A numeric user, so that Kubernetes can check runAsNonRoot; the files stay owned by root and
# read-only to it.
USER 65532:65532
# HTTP, HTTPS and the admin server (health, readiness, metrics).
EXPOSE 8080 8443 10254
# 8 MiB young-generation semi-spaces, as the workers have: Node's default grows them to 64 MiB
# while a large estate is read and keeps them (src/workers/worker-flags.ts IMAGE_NODE_FLAGS).
ENTRYPOINT ["node", "--max-semi-space-size=8", "bin/pointsman.js"]
CMD ["serve"]
