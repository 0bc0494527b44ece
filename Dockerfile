# Almanac in a container: one image for `serve`, `worker`, `migrate` and `createsuperuser`.
FROM rust:1-bookworm AS build
# npm installs the calendar's JavaScript during the build (crates/almanac/build.rs).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked && cp target/release/almanac /usr/local/bin/almanac

FROM debian:bookworm-slim
RUN useradd --system --create-home --home-dir /var/lib/almanac almanac
COPY --from=build /usr/local/bin/almanac /usr/local/bin/almanac
USER almanac
ENV ALMANAC_BIND=0.0.0.0:8000 \
    ALMANAC_DATA_DIR=/var/lib/almanac
EXPOSE 8000
ENTRYPOINT ["almanac"]
CMD ["serve"]
