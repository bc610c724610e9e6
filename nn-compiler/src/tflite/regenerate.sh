#!/bin/sh
# Regenerates `generated.rs`, the planus bindings of the TensorFlow Lite
# flatbuffer schema (schema version 3b).
#
# The schema is taken from the crates.io package `tract-tflite` 0.23.9, which
# ships TensorFlow's `schema.fbs` (Apache-2.0) as `schema/tflite.fbs`.
# Requirements: `cargo install planus-cli --version 1.3.0`.
#
# The serde derives that planus emits are removed so that the compiler does
# not depend on serde; the absolute schema path is replaced by its name.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cat > "$work/Cargo.toml" <<'TOML'
[package]
name = "schema-fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
tract-tflite = "=0.23.9"
TOML
touch "$work/src/lib.rs"
cargo fetch --manifest-path "$work/Cargo.toml" >/dev/null
schema=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -path '*tract-tflite-0.23.9/schema/tflite.fbs' | head -n 1)
echo "schema: $schema (sha256 $(sha256sum "$schema" | cut -d' ' -f1))"
planus rust -o generated.rs "$schema"
sed -i -e '/::serde::Serialize,/d' -e '/::serde::Deserialize,/d' \
    -e "s#$schema#tflite.fbs#g" generated.rs
rustfmt --edition 2021 generated.rs
