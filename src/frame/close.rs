//! Close codes (RFC 6455 §7.4).

/// Codes a peer may put in a close frame: the ones RFC 6455 §7.4.1 defines
/// for use on the wire, the later IANA registrations 1012–1014, and the
/// 3000–4999 ranges for libraries and applications. 1004, 1005, 1006 and
/// 1015 are reserved or must never be sent; everything else is unassigned.
pub fn is_valid_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes() {
        for ok in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999,
        ] {
            assert!(is_valid_on_wire(ok), "{ok}");
        }
        for bad in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid_on_wire(bad), "{bad}");
        }
    }
}
