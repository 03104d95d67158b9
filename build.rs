//! Generates the C header with cbindgen: always into `$OUT_DIR/wsdriver.h`
//! (tests compare it with the committed one), and into
//! `include/wsdriver.h` only when `WSDRIVER_WRITE_HEADER=1`, so a normal
//! build or `cargo package` never writes into the source tree.

use std::env;
use std::path::PathBuf;

fn main() {
    // cbindgen reads every public item of the crate, not only src/ffi.
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=WSDRIVER_WRITE_HEADER");

    // The shared library carries the SONAME it is installed under
    // (scripts/install-c.sh): libwsdriver.so.0.MINOR for 0.x (every 0.x
    // minor may break the ABI), libwsdriver.so.MAJOR from 1.0. Programs
    // linked against target/ find it through a symlink of that name next
    // to it (tests/c and examples/c make it).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{}", soname());
    }

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
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = c89(&String::from_utf8(text).expect("cbindgen writes UTF-8"));
    write_if_changed(&out_dir.join("wsdriver.h"), &text);
    println!("cargo:include={}", out_dir.display());

    if env::var("WSDRIVER_WRITE_HEADER").as_deref() == Ok("1") {
        write_if_changed(&crate_dir.join("include").join("wsdriver.h"), &text);
    }
}

/// Makes cbindgen's output valid C89 (`gcc -std=c89 -pedantic -Werror`,
/// tests/c checks it): its `// __cplusplus` comments become `/* */` ones
/// and enumerator lists lose their trailing comma.
fn c89(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut lines = header.lines().peekable();
    while let Some(line) = lines.next() {
        let line = match line.split_once("// ") {
            Some((code, comment)) if !code.trim_start().starts_with('*') => {
                format!("{code}/* {} */", comment.trim_end())
            }
            _ => line.to_owned(),
        };
        let last_enumerator = lines.peek().is_some_and(|next| next.trim_start() == "};")
            && line.trim_start().starts_with("WS_")
            && line.ends_with(',');
        out.push_str(if last_enumerator {
            &line[..line.len() - 1]
        } else {
            &line
        });
        out.push('\n');
    }
    out
}

fn write_if_changed(path: &std::path::Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("the header can be written");
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

/// `libwsdriver.so.0.MINOR` (0.x) or `libwsdriver.so.MAJOR`.
fn soname() -> String {
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("set by cargo");
    if major == "0" {
        format!("libwsdriver.so.0.{minor}")
    } else {
        format!("libwsdriver.so.{major}")
    }
}
