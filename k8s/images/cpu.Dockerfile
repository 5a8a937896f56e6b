# ganymede CPU image: the wasm backend with the native OpenBLAS matMul (README "The optional native matMul").
# Build from the repository root (BuildKit reads cpu.Dockerfile.dockerignore next to this file):
#   docker build -f k8s/images/cpu.Dockerfile -t <registry>/ganymede:0.1.0-cpu .

# 1. Build: compile the TypeScript (npm ci runs `prepare`) and the OpenBLAS addon (the `install` script).
FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas-dev g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY native ./native
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && node scripts/build-native.mjs

# 2. Runtime dependencies only (zeromq and the TF.js wasm files ship prebuilt in their packages).
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: slim Node, OpenBLAS's shared library, the compiled code, a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build ./native/build
COPY package.json ./
COPY bin ./bin
COPY configs ./configs
RUN ln -s /app/bin/ganymede.js /usr/local/bin/ganymede
ENV NODE_ENV=production GANYMEDE_LOG_JSON=1
# The `node` user (uid 1000) of the official Node images; the manifests run as 1000 too.
USER node
WORKDIR /home/node
ENTRYPOINT ["ganymede"]
CMD ["--help"]
