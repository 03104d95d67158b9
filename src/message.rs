//! Streaming UTF-8 validation for text messages that arrive in pieces.

/// Below this many bytes, an ASCII test (word at a time) comes first: it is
/// cheaper than setting up the SIMD validator, and short text is mostly ASCII.
const SHORT: usize = 64;

/// Whether `buf` is valid UTF-8, all of it.
#[inline]
pub fn is_utf8(buf: &[u8]) -> bool {
    (buf.len() < SHORT && buf.is_ascii()) || simdutf8::basic::from_utf8(buf).is_ok()
}

/// Validates a growing buffer without re-scanning: everything before
/// `checked` is known to be complete, valid UTF-8; at most three bytes of an
/// unfinished character are looked at again when more bytes arrive.
#[derive(Clone, Copy, Debug, Default)]
pub struct Utf8Stream {
    checked: usize,
}

impl Utf8Stream {
    /// Checks the bytes of `buf` added since the last call. Fails as soon as
    /// a byte makes the text invalid, even when the character is unfinished.
    /// With `complete`, an unfinished trailing character is an error too.
    #[inline]
    pub fn check(&mut self, buf: &[u8], complete: bool) -> bool {
        let fresh = &buf[self.checked..];
        if fresh.len() < SHORT && fresh.is_ascii() {
            self.checked = buf.len();
            return true;
        }
        match simdutf8::compat::from_utf8(fresh) {
            Ok(_) => {
                self.checked = buf.len();
                true
            }
            Err(e) if e.error_len().is_some() => false,
            Err(e) => {
                self.checked += e.valid_up_to();
                !complete
            }
        }
    }

    pub fn reset(&mut self) {
        self.checked = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_text_split_inside_characters() {
        let text = "κόσμε ✓ 𝄞 end".as_bytes();
        for split in 0..text.len() {
            let mut s = Utf8Stream::default();
            assert!(s.check(&text[..split], false), "split {split}");
            assert!(s.check(text, true));
        }
    }

    #[test]
    fn fails_on_the_first_bad_byte() {
        let mut s = Utf8Stream::default();
        // 0xF4 0x90 starts a code point above U+10FFFF: invalid before the
        // character is finished.
        assert!(!s.check(b"ok\xF4\x90", false));
        let mut s = Utf8Stream::default();
        assert!(!s.check(b"\xC0\xAF", false));
        let mut s = Utf8Stream::default();
        assert!(s.check(b"abc\xE2\x82", false));
        assert!(!s.check(b"abc\xE2\x82", true));
    }
}
