# One image for every riskstream process (the command picks the service), used by docker-compose.yml
# and k8s/. Node 24 runs the TypeScript sources directly: there is no build step to ship.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY training/package.json training/
COPY cli/package.json cli/
COPY services/ingest/package.json services/ingest/
COPY services/features/package.json services/features/
COPY services/scoring/package.json services/scoring/
COPY services/drift-monitor/package.json services/drift-monitor/
COPY services/alert-receiver/package.json services/alert-receiver/
COPY services/archiver/package.json services/archiver/
COPY services/fused/package.json services/fused/
COPY services/decisions/package.json services/decisions/
# postinstall applies scripts/dependency-patches (a kafkajs read_committed fix)
COPY scripts scripts
RUN npm ci --omit=dev --no-audit --no-fund
COPY schemas schemas
COPY shared shared
COPY training training
COPY cli cli
COPY services services
USER node
CMD ["node", "cli/bin/riskstream.ts", "--help"]
