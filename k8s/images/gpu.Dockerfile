# ganymede GPU image: TF.js on CUDA through @tensorflow/tfjs-node-gpu 4.22.0 (libtensorflow 2.9.1, built for
# CUDA 11.2 and cuDNN 8.1). Its install script downloads libtensorflow, so build on a machine with internet:
#   docker build -f k8s/images/gpu.Dockerfile -t <registry>/ganymede:0.1.0-gpu .
# Nodes need an NVIDIA driver for CUDA 11 (>= 450.80) and the NVIDIA device plugin (nvidia.com/gpu).

# 1. Build: compile the TypeScript (the native OpenBLAS addon is for the wasm backend: not built here).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json

# 2. Runtime dependencies, plus tfjs-node-gpu (an optional peer dependency) with its libtensorflow download.
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm install --omit=dev --ignore-scripts --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0 \
 && npm rebuild @tensorflow/tfjs-node-gpu

# 3. Runtime: CUDA 11 + cuDNN 8 libraries (the sonames libtensorflow 2.9 loads: libcudart.so.11.0,
# libcublas.so.11, libcudnn.so.8, ... are the same across CUDA 11.x), Node 20 copied from the official image.
FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
RUN groupadd --gid 1000 ganymede \
 && useradd --uid 1000 --gid 1000 --create-home ganymede
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY configs ./configs
RUN ln -s /app/bin/ganymede.js /usr/local/bin/ganymede
ENV NODE_ENV=production GANYMEDE_LOG_JSON=1 GANYMEDE_OPENBLAS=0
USER ganymede
WORKDIR /home/ganymede
ENTRYPOINT ["ganymede"]
CMD ["--help"]
