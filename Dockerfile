# syntax=docker/dockerfile:1
# The ecs-operator controller image: `docker build -t ecs-operator .` then `docker run ecs-operator help`.
# Two stages: `build` compiles TypeScript (dev dependencies), the final stage installs production dependencies
# only and copies dist/. It runs as a numeric non-root user and writes nothing outside /tmp, so it works with
# readOnlyRootFilesystem: true (the chart mounts an emptyDir at /tmp).

ARG NODE_IMAGE=node:24-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the npm cache is dropped to keep the image small.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*
COPY --from=build /src/dist ./dist
# 65532: the conventional "nonroot" uid/gid; numeric so that runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
