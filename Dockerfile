# barometer: a multi-stage build. The first stage compiles the release binary; the second is a
# small Debian image with only the PostgreSQL client library and the binary.
FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin barometer \
 && cp target/release/barometer /usr/local/bin/barometer

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/barometer barometer
COPY --from=build /usr/local/bin/barometer /usr/local/bin/barometer
USER barometer
WORKDIR /var/lib/barometer
ENV BAROMETER_BIND=0.0.0.0:8080 \
    BAROMETER_DATABASE_URL=sqlite:///var/lib/barometer/barometer.db
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["barometer"]
CMD ["serve"]
