# Pag0's streamable HTTP server (`pag0 http`) for remote agents. Build: docker build -t pag0 .
# Run: docker run -p 8402:8402 -v pag0-data:/data -e WALLET_PRIVATE_KEY=0x... -e PAG0_PUBLIC_HOSTNAMES=pag0.example.com pag0
# Create API keys with `docker exec -it <container> node dist/cli.js keys create ...`.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm run build` also writes the ledger snapshot (dist/ledger-snapshot) from the migrations
COPY supabase/migrations ./supabase/migrations
RUN npm run build
RUN npm prune --omit=dev

FROM node:20-slim
# V8 otherwise lets the heap grow far past what pag0 keeps alive (measured: ~300 MiB RSS after 10,000 calls with
# the defaults, ~155 MiB with a 128 MiB old space): cap it so a 256 MB machine holds (npm run bench runs pag0 http with it)
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=160 \
    HOST=0.0.0.0 \
    PORT=8402 \
    PAG0_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY supabase/migrations ./supabase/migrations
# the audit contract's ABI and bytecode (contracts/build), read at run time by the anchorer
COPY contracts ./contracts
# the embedded ledger lives in /data: mount a volume there (Docker copies this ownership into a new named volume)
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8402
# node:20-slim has no curl; Node's own fetch asks /health, which answers 503 when the ledger is down
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli.js", "http"]
