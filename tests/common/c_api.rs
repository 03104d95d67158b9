//! The C API without callbacks, as a host that polls its output drives it.

use wsdriver::ffi::*;

use super::request;

/// An open server without callbacks whose handshake output was taken.
pub fn open_c_server() -> *mut ws_driver {
    let mut drv = std::ptr::null_mut();
    assert_eq!(
        ws_driver_new_server(std::ptr::null(), &mut drv),
        ws_result::Ok
    );
    let req = request("");
    assert_eq!(ws_parse(drv, req.as_ptr(), req.len()), ws_result::Ok);
    assert_eq!(ws_start(drv), ws_result::Ok);
    take_output(drv);
    assert_eq!(ws_state(drv), WS_STATE_OPEN);
    drv
}

/// All the output waiting, taken with `ws_take_output`.
pub fn take_output(drv: *mut ws_driver) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65_536];
    loop {
        let mut n = 0;
        match ws_take_output(drv, buf.as_mut_ptr(), buf.len(), &mut n) {
            ws_result::Ok => out.extend_from_slice(&buf[..n]),
            ws_result::Empty => return out,
            r => panic!("{r:?}"),
        }
    }
}
