# One image for the core API and the render workers (the command picks which).
FROM oven/bun:1.4.5-debian AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng fonts-dejavu-core ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

FROM base AS deps
COPY package.json bun.lock bunfig.toml ./
# Every workspace's manifest: bun resolves the workspace graph from them.
COPY packages/contract/package.json packages/contract/package.json
COPY packages/storage/package.json packages/storage/package.json
COPY packages/test-support/package.json packages/test-support/package.json
COPY core/package.json core/package.json
COPY render/package.json render/package.json
COPY edge/package.json edge/package.json
COPY web/package.json web/package.json
COPY patches patches
RUN bun install --frozen-lockfile --production

FROM base
ENV NODE_ENV=production
COPY --from=deps /app/node_modules node_modules
COPY package.json bunfig.toml tsconfig.json ./
COPY packages packages
COPY core core
COPY render render
COPY drizzle drizzle
# The web app, bundled at build time; the core serves web/dist at /.
COPY web web
RUN bun run web/build.ts && rm -rf web/src web/test
RUN mkdir -p /data /scratch && chown bun:bun /data /scratch
USER bun
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD bun -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["bun", "core/src/main.ts"]
