//! Installs the third-party browser assets (FullCalendar) from the npm registry, pinned by
//! `web/package-lock.json`, into OUT_DIR, where `src/web/assets.rs` embeds them in the binary.
//! Nothing from npm is committed to the repository, and nothing is written to the source tree.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// Files the pages load, from where npm puts them to where the server serves them under
/// `/static/vendor/`.
const VENDORED: &[(&str, &str)] = &[
    (
        "fullcalendar/index.global.min.js",
        "fullcalendar/index.global.min.js",
    ),
    ("fullcalendar/LICENSE.md", "fullcalendar/LICENSE.md"),
];

fn main() {
    println!("cargo:rerun-if-changed=web/package.json");
    println!("cargo:rerun-if-changed=web/package-lock.json");
    // `sqlx::migrate!` embeds these; a build script that names what it watches turns off cargo's
    // default of rebuilding on any change, so a new migration alone would not be embedded.
    println!("cargo:rerun-if-changed=migrations");
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let npm_dir = out_dir.join("npm");
    fs::create_dir_all(&npm_dir).expect("OUT_DIR is writable");
    for file in ["package.json", "package-lock.json"] {
        fs::copy(manifest_dir.join("web").join(file), npm_dir.join(file))
            .unwrap_or_else(|error| panic!("cannot copy web/{file}: {error}"));
    }
    let status = Command::new(npm())
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .args(["--loglevel", "error"])
        .current_dir(&npm_dir)
        .status()
        .unwrap_or_else(|error| {
            panic!(
                "Almanac's calendar assets come from npm, which could not be run ({error}): \
                 install Node.js 20 or newer with npm"
            )
        });
    assert!(
        status.success(),
        "`npm ci` failed for web/package-lock.json"
    );

    let vendor_dir = out_dir.join("vendor");
    for (from, to) in VENDORED {
        let target = vendor_dir.join(to);
        fs::create_dir_all(target.parent().unwrap_or(&vendor_dir)).expect("OUT_DIR is writable");
        copy(&npm_dir.join("node_modules").join(from), &target);
    }
}

fn copy(from: &Path, to: &Path) {
    fs::copy(from, to)
        .unwrap_or_else(|error| panic!("{} is missing after `npm ci` ({error})", from.display()));
}

fn npm() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}
