# Dateline in a container: the release binary on a slim Debian base. The store lives in /data
# (mount a volume); the server listens on 8080. See docs/DEPLOYMENT.md.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p dateline && strip target/release/dateline

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates postgresql-client \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /data dateline && mkdir -p /data && chown dateline /data
COPY --from=build /src/target/release/dateline /usr/local/bin/dateline
USER dateline
WORKDIR /data
ENV DATELINE_DB=sqlite:/data/dateline.db DATELINE_LISTEN=0.0.0.0:8080 DATELINE_LOG_FORMAT=json
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/usr/local/bin/dateline"]
CMD ["serve"]
