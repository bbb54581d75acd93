# Bridges in a container: `docker compose up -d` (see docker-compose.yml), or
#   docker build -t bridges . && docker run -e DISCORD_TOKEN=... -v bridges-data:/data bridges
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
COPY storage storage
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BRIDGES_DATABASE_URL=sqlite+aiosqlite:////data/bridges.db
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bridges \
    && mkdir -p /app /data && chown bridges:bridges /app /data
WORKDIR /app
VOLUME ["/data"]
USER bridges
# Healthy when the configuration and environment are valid. The process itself stopping is
# the container stopping (restart policy in docker-compose.yml).
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["bridges", "check-config"]
# `bridges run` applies pending migrations, then connects; SIGTERM stops it cleanly.
STOPSIGNAL SIGTERM
CMD ["bridges", "run"]
