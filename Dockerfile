# Almanac in a container: one image for `serve`, `worker`, `migrate` and `createsuperuser`.
#   docker build -t almanac .
# The build needs no Node.js: the calendar's JavaScript is committed (crates/almanac/web/vendor).
ARG RUST_IMAGE=rust:1.95-bookworm

FROM ${RUST_IMAGE} AS chef
RUN cargo install cargo-chef --version 0.1.78 --locked
WORKDIR /src

# The dependency graph alone (manifests and the lock), so the next stage's layer of compiled
# dependencies is rebuilt only when they change, not on every change to Almanac's own code.
FROM chef AS plan
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=plan /src/recipe.json recipe.json
# SQLite's compile-time options live there: without them now, it would be compiled again below.
COPY .cargo .cargo
RUN cargo chef cook --release -p almanac --recipe-path recipe.json
COPY . .
# The same script CI runs on the host (scripts/test, through the benchmark).
RUN scripts/build-release /usr/local/bin

FROM debian:bookworm-slim
RUN useradd --system --create-home --home-dir /var/lib/almanac almanac
COPY --from=build /usr/local/bin/almanac /usr/local/bin/almanac
USER almanac
# Freed memory goes back to the system at once rather than after the allocator's delay
# (README, "Answers kept in memory").
ENV ALMANAC_BIND=0.0.0.0:8000 \
    ALMANAC_DATA_DIR=/var/lib/almanac \
    MIMALLOC_PURGE_DELAY=0
EXPOSE 8000
ENTRYPOINT ["almanac"]
CMD ["serve"]
