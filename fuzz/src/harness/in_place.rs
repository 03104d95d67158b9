//! Feeding one input the in-place way: a host that decodes whole messages
//! in its own buffer (`Driver::read_in_place`), keeps frames not whole yet
//! that fit, and gives everything else to `read`.

use wsdriver::{Action, Driver, Event, InPlace};

use super::checker::{Checker, React, drain};

/// Each chunk is read into a buffer of `cap` bytes after what the last
/// round kept; whole messages come from `read_in_place`, the rest goes to
/// `read`. At the end of the input, what is kept goes to `read`. A frame
/// `read_in_place` does not take is left untouched.
pub(crate) fn feed_in_place(
    d: &mut Driver,
    c: &mut Checker,
    react: React,
    chunks: &[&[u8]],
    cap: usize,
    eof: bool,
) {
    drain(d, c, react);
    let mut buf: Vec<u8> = Vec::new();
    let mut spins = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        buf.extend_from_slice(chunk);
        let mut pos = 0;
        while pos < buf.len() {
            spins += 1;
            assert!(spins < 10_000_000, "in-place decoding makes no progress");
            let before = buf[pos..].to_vec();
            match d.read_in_place(&mut buf[pos..]) {
                InPlace::Message { kind, range } => {
                    assert!(range.start <= range.end && range.end <= buf.len() - pos);
                    let data = buf[pos + range.start..pos + range.end].to_vec();
                    pos += range.end;
                    let a = Action::Event(Event::Message { kind, data });
                    c.action(&a);
                    if let Action::Event(e) = &a {
                        react.on(d, e);
                    }
                    c.state(d);
                    drain(d, c, react);
                }
                other => {
                    assert_eq!(buf[pos..], before[..], "{other:?} changed the input");
                    if let InPlace::Incomplete { need } = other {
                        assert!(need > (buf.len() - pos) as u64, "a whole frame left");
                        if need <= cap as u64 && !last {
                            break;
                        }
                    }
                    let n = d.read(&buf[pos..]);
                    assert!(n <= buf.len() - pos, "read used more than given");
                    pos += n;
                    drain(d, c, react);
                }
            }
        }
        buf.drain(..pos);
    }
    assert!(buf.is_empty(), "input left over");
    drain(d, c, react);
    if eof {
        d.transport_closed();
        drain(d, c, react);
    }
    c.finish();
}
