//! The committed header matches a fresh cbindgen run, and its version
//! macros agree with Cargo.toml and with `ws_version()`.

use std::ffi::CStr;

const COMMITTED: &str = include_str!("../include/wsdriver.h");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/wsdriver.h"));

#[test]
fn committed_header_is_up_to_date() {
    if COMMITTED != GENERATED {
        let line = COMMITTED
            .lines()
            .zip(GENERATED.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_owned(), |i| format!("line {}", i + 1));
        panic!(
            "include/wsdriver.h is stale (first difference at {line}); \
             regenerate it with `WSDRIVER_WRITE_HEADER=1 cargo build`"
        );
    }
}

/// The value of `#define NAME value` in the header.
fn define(name: &str) -> &'static str {
    let prefix = format!("#define {name} ");
    COMMITTED
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("{name} is not defined in the header"))
        .trim()
}

fn number(name: &str) -> u32 {
    let v = define(name);
    match v.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
        None => v.parse().unwrap(),
    }
}

#[test]
fn version_macros_match_cargo_and_runtime() {
    let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    assert_eq!(number("WS_VERSION_MAJOR"), major);
    assert_eq!(number("WS_VERSION_MINOR"), minor);
    assert_eq!(number("WS_VERSION_PATCH"), patch);
    // The derived number uses each part once, in its own byte (rustls.h
    // once built its number from MINOR twice).
    assert_eq!(
        number("WS_VERSION_NUMBER"),
        (major << 16) | (minor << 8) | patch
    );
    let string = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(define("WS_VERSION_STRING"), string);

    let runtime = runtime_version();
    assert_eq!(runtime, env!("CARGO_PKG_VERSION"));
    assert_eq!(format!("\"{runtime}\""), define("WS_VERSION_STRING"));
}

fn runtime_version() -> String {
    let p = wsdriver::ffi::ws_version();
    assert!(!p.is_null());
    // SAFETY: ws_version returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
}

#[test]
fn header_exports_only_ws_names() {
    for line in COMMITTED.lines() {
        if let Some(rest) = line.strip_prefix("#define ") {
            let name = rest.split_whitespace().next().unwrap();
            assert!(
                name.starts_with("WS_") || name == "WSDRIVER_H",
                "{name} leaked into the header: exclude it in cbindgen.toml"
            );
        }
        if let Some(rest) = line.strip_prefix("typedef ") {
            let name = rest
                .trim_end_matches(';')
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let fnptr = rest.contains("(*");
            if !fnptr {
                assert!(name.starts_with("ws_"), "typedef {name} is not ws_*");
            }
        }
    }
}

#[test]
fn result_codes_are_stable() {
    // Values are append-only: a binding compiled against an older header
    // must keep working.
    let expected = [
        ("WS_RESULT_OK", 0),
        ("WS_RESULT_NULL_PARAMETER", 1),
        ("WS_RESULT_PANIC", 2),
        ("WS_RESULT_INVALID_ARGUMENT", 3),
        ("WS_RESULT_INVALID_STATE", 4),
        ("WS_RESULT_NOT_SUPPORTED", 5),
        ("WS_RESULT_INVALID_UTF8", 6),
        ("WS_RESULT_INVALID_URL", 7),
        ("WS_RESULT_CALLBACK_STOPPED", 8),
        ("WS_RESULT_BUFFER_TOO_SMALL", 9),
        ("WS_RESULT_LIMIT_EXCEEDED", 10),
        ("WS_RESULT_HANDSHAKE_FAILED", 11),
        ("WS_RESULT_EMPTY", 12),
    ];
    for (name, value) in expected {
        // The last enumerator has no comma (C89, see build.rs).
        let line = format!("  {name} = {value}\n");
        let with_comma = format!("  {name} = {value},\n");
        assert!(
            COMMITTED.contains(&line) || COMMITTED.contains(&with_comma),
            "{name} must stay {value}"
        );
    }
}
