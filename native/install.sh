#!/bin/sh
# Builds jackwatch-native (the compiled reader of Bedrock invocation log lines) and installs it into the
# virtual environment of the Python given as $1.
#
# Crates come from Debian's packaged crates (librust-*-dev, offline) when they are installed, else from
# crates.io. Without a Rust toolchain or the crates, it says so and stops without failing: jackwatch then
# reads invocation logs in Python, about a third slower. With JACKWATCH_NATIVE_REQUIRED=1 (CI) a build
# that cannot be made fails.
set -eu
python=$1
here=$(cd "$(dirname "$0")" && pwd)
target=$here/target

unavailable() {
    echo "jackwatch-native not built ($1): invocation logs will be read in Python" >&2
    if [ "${JACKWATCH_NATIVE_REQUIRED:-0}" = 1 ]; then
        exit 1
    fi
    exit 0
}

PATH=$PATH:${CARGO_HOME:-$HOME/.cargo}/bin
command -v cargo >/dev/null 2>&1 || unavailable "no Rust toolchain (cargo)"
if [ -d /usr/share/cargo/registry ]; then
    missing=$(sed -n 's/^name = "\(.*\)"/\1/p' "$here/Cargo.lock" | grep -v '^jackwatch-native$' | while read -r crate; do
        ls -d /usr/share/cargo/registry/"$crate"-[0-9]* >/dev/null 2>&1 || echo "$crate"
    done)
    [ -z "$missing" ] || unavailable "Debian's crates missing: $(echo $missing) (apt-get install librust-pyo3-dev librust-serde-json-dev librust-indexmap-dev librust-memchr-dev librust-hashbrown-dev librust-smallvec-dev)"
    CARGO_HOME=$target/cargo-home
    mkdir -p "$CARGO_HOME"
    printf '[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "/usr/share/cargo/registry"\n\n[net]\noffline = true\n' \
        >"$CARGO_HOME/config.toml"
    export CARGO_HOME
fi
"$python" -m pip install --quiet 'maturin>=1.5,<2'
rm -rf "$target/wheels"
"$python" -m maturin build --quiet --release --locked --interpreter "$python" --manifest-path "$here/Cargo.toml" \
    --out "$target/wheels" || unavailable "the build failed"
"$python" -m pip install --quiet --force-reinstall --no-deps "$target"/wheels/jackwatch_native-*.whl
"$python" -c 'import jackwatch_native' && echo "jackwatch-native installed: invocation logs are read by the compiled reader"
