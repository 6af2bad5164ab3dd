# syntax=docker/dockerfile:1
# The registry API. Migrations run when the server starts; see docker-compose.yml.

# --- build: compile TypeScript, emit schema/schema.graphql, bundle the console -
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY schema ./schema
COPY console ./console
RUN npm run build

# --- runtime: production dependencies and the compiled code only -----------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
# DATA_DIR (./data) for the embedded database when no DATABASE_URL is given.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
