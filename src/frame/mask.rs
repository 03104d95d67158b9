//! Masking (RFC 6455 §5.3): XOR with a 4-byte key, applied while copying.
//!
//! The loop works on 32-byte blocks of plain arrays so the compiler turns it
//! into vector instructions; no `unsafe` is needed.

const BLOCK: usize = 32;

/// Appends `src` XOR `key` to `dst`, where `offset` is how many payload bytes
/// of this frame were unmasked before (the key rotates with the position).
/// Returns the offset to pass for the bytes that follow.
#[inline]
pub fn unmask_extend(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) -> usize {
    let start = dst.len();
    dst.extend_from_slice(src);
    apply(&mut dst[start..], key, offset)
}

/// XORs `buf` in place with `key` rotated by `offset`; returns the next offset.
#[inline]
pub fn apply(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
    let mut wide = [0u8; BLOCK];
    for (i, b) in wide.iter_mut().enumerate() {
        *b = key[(offset + i) & 3];
    }
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for i in 0..BLOCK {
            block[i] ^= wide[i];
        }
    }
    for (i, b) in blocks.into_remainder().iter_mut().enumerate() {
        *b ^= wide[i];
    }
    (offset + buf.len()) & 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[u8], key: [u8; 4], offset: usize) -> Vec<u8> {
        src.iter()
            .enumerate()
            .map(|(i, b)| b ^ key[(offset + i) % 4])
            .collect()
    }

    #[test]
    fn matches_naive_at_every_length_and_offset() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let src: Vec<u8> = (0..200u8).collect();
        for len in 0..src.len() {
            for offset in 0..4 {
                let mut dst = vec![7];
                let next = unmask_extend(&mut dst, &src[..len], key, offset);
                assert_eq!(&dst[1..], naive(&src[..len], key, offset).as_slice());
                assert_eq!(next, (offset + len) % 4);
            }
        }
    }

    #[test]
    fn split_unmasking_equals_whole() {
        let key = [1, 2, 3, 4];
        let src: Vec<u8> = (0..100u8).collect();
        let mut whole = Vec::new();
        unmask_extend(&mut whole, &src, key, 0);
        let mut parts = Vec::new();
        let mut off = 0;
        for chunk in src.chunks(7) {
            off = unmask_extend(&mut parts, chunk, key, off);
        }
        assert_eq!(whole, parts);
    }
}
