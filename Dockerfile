# imbot-server in a container: see README, "Docker". Not built or tested on the machine this
# repository is developed on (no container runtime there); kept minimal so it can be checked by reading.

# Build: every dependency (TypeScript included), compile, then drop the development ones.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
# `npm ci` runs the `prepare` script (tsc) once the sources are in place.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production \
    IMBOT_DATA=/data \
    IMBOT_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/bin ./bin
# The data dir (SQLite store, TLS files, uploads, control token) belongs to the unprivileged `node` user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 24443 24080
# /__ready: 200 while the store (and Redis, in a cluster) answer and the server is not shutting down.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:24080/__ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/imbot-server.js"]
CMD ["serve"]
