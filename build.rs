//! Generates the C header with cbindgen: always into `$OUT_DIR/wsdriver.h`
//! (tests compare it with the committed one), and into
//! `include/wsdriver.h` only when `WSDRIVER_WRITE_HEADER=1`, so a normal
//! build or `cargo package` never writes into the source tree.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=WSDRIVER_WRITE_HEADER");

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is valid");
    config.after_includes = Some(version_macros());

    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen can read src/ffi");
    bindings.write_to_file(out_dir.join("wsdriver.h"));
    println!("cargo:include={}", out_dir.display());

    if env::var("WSDRIVER_WRITE_HEADER").as_deref() == Ok("1") {
        bindings.write_to_file(crate_dir.join("include").join("wsdriver.h"));
    }
}

/// The version macros, from Cargo.toml's version.
fn version_macros() -> String {
    let part = |name: &str| -> u32 {
        env::var(name)
            .expect("set by cargo")
            .parse()
            .expect("numeric version part")
    };
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    let number = (major << 16) | (minor << 8) | patch;
    format!(
        "\n#define WS_VERSION_MAJOR {major}\n\
         #define WS_VERSION_MINOR {minor}\n\
         #define WS_VERSION_PATCH {patch}\n\
         /* (MAJOR << 16) | (MINOR << 8) | PATCH */\n\
         #define WS_VERSION_NUMBER 0x{number:06x}\n\
         #define WS_VERSION_STRING \"{}\"\n",
        env::var("CARGO_PKG_VERSION").expect("set by cargo")
    )
}
