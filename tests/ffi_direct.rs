//! `ws_frame_message` and `ws_frame_header` through the C API: the
//! core's rules (tests/core_direct.rs) translated to results, and the
//! driver's own output (`ws_take_output`) counted as waiting output.

mod common;

use std::ptr::{null, null_mut};

use wsdriver::ffi::*;
use wsdriver::frame_len;

use common::c_api::{open_c_server, take_output};

#[test]
fn a_framed_message_is_what_ws_binary_would_send() {
    let a = open_c_server();
    let b = open_c_server();
    let data = vec![7u8; 300];
    assert_eq!(ws_binary(a, data.as_ptr(), data.len()), ws_result::Ok);
    let want = take_output(a);
    let mut buf = vec![0u8; 400];
    let mut n = 0;
    assert_eq!(
        ws_frame_message(
            b,
            WS_MESSAGE_BINARY,
            data.as_ptr(),
            data.len(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut n
        ),
        ws_result::Ok
    );
    assert_eq!(&buf[..n], &want[..]);
    assert!(take_output(b).is_empty(), "nothing went through the driver");
    ws_driver_free(a);
    ws_driver_free(b);
}

#[test]
fn framed_messages_match_ws_binary_and_ws_text_for_every_length_class() {
    let a = open_c_server();
    let b = open_c_server();
    for len in [0usize, 1, 125, 126, 65535, 65536, 70_000] {
        let data = vec![b'a'; len];
        for kind in [WS_MESSAGE_BINARY, WS_MESSAGE_TEXT] {
            let queued = match kind {
                WS_MESSAGE_TEXT => ws_text(a, data.as_ptr().cast(), len),
                _ => ws_binary(a, data.as_ptr(), len),
            };
            assert_eq!(queued, ws_result::Ok);
            let want = take_output(a);
            let mut buf = vec![0u8; len + 14];
            let mut n = 0;
            let framed = ws_frame_message(
                b,
                kind,
                data.as_ptr(),
                len,
                buf.as_mut_ptr(),
                buf.len(),
                &mut n,
            );
            assert_eq!(framed, ws_result::Ok, "{len} bytes, kind {kind}");
            assert_eq!(&buf[..n], &want[..], "{len} bytes, kind {kind}");
        }
    }
    assert!(take_output(b).is_empty(), "nothing went through the driver");
    ws_driver_free(a);
    ws_driver_free(b);
}

/// `ws_frame_message` into an 8-byte buffer; `n` gets the size written or needed.
fn frame8(d: *mut ws_driver, kind: u32, data: *const u8, len: usize, n: &mut usize) -> ws_result {
    let mut buf = [0u8; 8];
    ws_frame_message(d, kind, data, len, buf.as_mut_ptr(), buf.len(), n)
}

#[test]
fn a_buffer_too_small_is_left_as_it_was() {
    let d = open_c_server();
    let data = [7u8; 200];
    for (len, cap) in [(7usize, 8usize), (200, 203)] {
        let mut buf = [0xAAu8; 203];
        let mut n = 0;
        let r = ws_frame_message(
            d,
            WS_MESSAGE_BINARY,
            data.as_ptr(),
            len,
            buf.as_mut_ptr(),
            cap,
            &mut n,
        );
        assert_eq!(r, ws_result::BufferTooSmall);
        assert_eq!(n, frame_len(len, false), "the size needed");
        assert!(
            buf.iter().all(|&b| b == 0xAA),
            "len {len}: buffer untouched"
        );
    }
    ws_driver_free(d);
}

#[test]
fn results_say_why_a_frame_was_refused() {
    let d = open_c_server();
    let mut n = 0;
    let hello = b"hello!!";
    assert_eq!(
        frame8(d, WS_MESSAGE_BINARY, hello.as_ptr(), 7, &mut n),
        ws_result::BufferTooSmall
    );
    assert_eq!(n, 9, "the size needed");
    assert_eq!(
        ws_frame_message(
            d,
            WS_MESSAGE_BINARY,
            hello.as_ptr(),
            7,
            null_mut(),
            0,
            &mut n
        ),
        ws_result::BufferTooSmall
    );
    assert_eq!(
        frame8(d, 3, hello.as_ptr(), 7, &mut n),
        ws_result::InvalidArgument
    );
    assert_eq!(
        frame8(d, WS_MESSAGE_TEXT, [0xffu8].as_ptr(), 1, &mut n),
        ws_result::InvalidUtf8
    );
    assert_eq!(
        frame8(d, WS_MESSAGE_TEXT, null(), 1, &mut n),
        ws_result::NullParameter
    );
    // Output waiting for ws_take_output: the frame would jump it.
    assert_eq!(ws_text(d, c"x".as_ptr(), 1), ws_result::Ok);
    assert_eq!(
        frame8(d, WS_MESSAGE_BINARY, hello.as_ptr(), 1, &mut n),
        ws_result::InvalidState
    );
    let mut header = [0u8; WS_FRAME_HEADER_MAX];
    assert_eq!(
        ws_frame_header(d, WS_MESSAGE_BINARY, 1, header.as_mut_ptr(), &mut n),
        ws_result::InvalidState
    );
    take_output(d);
    assert_eq!(
        ws_frame_header(d, WS_MESSAGE_BINARY, 70_000, header.as_mut_ptr(), &mut n),
        ws_result::Ok
    );
    assert_eq!(&header[..n], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    assert_eq!(ws_close(d, 1000, null(), 0), ws_result::Ok);
    assert_eq!(
        frame8(d, WS_MESSAGE_BINARY, hello.as_ptr(), 1, &mut n),
        ws_result::InvalidState
    );
    ws_driver_free(d);
}

/// `ws_send_into` queues behind output still waiting for `ws_take_output`
/// instead of framing ahead of it.
#[test]
fn ws_send_into_does_not_jump_output_waiting_to_be_taken() {
    let d = open_c_server();
    assert_eq!(ws_text(d, c"one".as_ptr(), 3), ws_result::Ok);
    let mut buf = [0u8; 64];
    let mut n = 99;
    assert_eq!(
        ws_send_into(
            d,
            WS_MESSAGE_TEXT,
            b"two".as_ptr(),
            3,
            buf.as_mut_ptr(),
            buf.len(),
            &mut n
        ),
        ws_result::Ok
    );
    assert_eq!(n, 0, "queued, not framed");
    assert_eq!(take_output(d), b"\x81\x03one\x81\x03two");
    assert_eq!(
        ws_send_into(
            d,
            WS_MESSAGE_TEXT,
            b"3".as_ptr(),
            1,
            buf.as_mut_ptr(),
            buf.len(),
            &mut n
        ),
        ws_result::Ok
    );
    assert_eq!(&buf[..n], b"\x81\x013");
    ws_driver_free(d);
}
