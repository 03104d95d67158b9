//! Regression tests from fuzzing: every crash input found by the cargo-fuzz
//! targets in fuzz/ replays here through the very harness that found it
//! (fuzz/src/harness.rs, included below), under plain `cargo test`. The
//! committed seed corpora (fuzz/corpus/<target>/) replay too.

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::Path;

fn replay_corpus(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| run(&data));
        assert!(r.is_ok(), "corpus input {} fails", path.display());
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn corpus_server() {
    replay_corpus("server", harness::server);
}

#[test]
fn corpus_client() {
    replay_corpus("client", harness::client);
}

#[test]
fn corpus_proxy() {
    replay_corpus("proxy", harness::proxy);
}

#[test]
fn corpus_inflate() {
    replay_corpus("inflate", harness::inflate);
}

#[test]
fn corpus_ffi() {
    replay_corpus("ffi", harness::ffi);
}
