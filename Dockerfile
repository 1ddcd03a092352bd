# One image definition for the Node parts; pick a part with `--target`.
# docker-compose.yml builds each service from its target.
FROM node:20-bookworm-slim AS base
WORKDIR /srv
ENV NX_NO_CLOUD=true NX_DAEMON=false NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json nx.json tsconfig.base.json jest.preset.js ./
COPY apps/component-web/package.json apps/component-web/
COPY apps/host-relay/package.json apps/host-relay/
COPY apps/auth-service/package.json apps/auth-service/
COPY apps/api-service/package.json apps/api-service/
COPY apps/dev-idp/package.json apps/dev-idp/
COPY apps/http-bridge/package.json apps/http-bridge/
COPY libs libs
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many --target=build --exclude=streamlit-app,nats

FROM base AS dev-idp
EXPOSE 4400
CMD ["node", "apps/dev-idp/dist/main.js"]

FROM base AS auth-service
CMD ["node", "apps/auth-service/dist/main.js"]

FROM base AS api-service
CMD ["node", "apps/api-service/dist/main.js"]

FROM base AS http-bridge
CMD ["node", "apps/http-bridge/dist/main.js"]

FROM base AS host-relay
EXPOSE 8888
CMD ["node", "apps/host-relay/dist/main.js"]

FROM base AS component-web
EXPOSE 3001
CMD ["npx", "next", "start", "apps/component-web", "-p", "3001"]
