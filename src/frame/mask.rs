//! Masking (RFC 6455 §5.3): XOR with a 4-byte key, fused with the copy into
//! the destination buffer so each payload byte is read and written once.
//!
//! The loop works a vector at a time: 32 bytes with AVX2 when the CPU has it
//! (detected at run time, cached by `is_x86_feature_detected!`), 16 bytes
//! with SSE2 (always present on x86-64), then 8-byte words and single bytes
//! for the tail; other targets use the word loop. This is the only module of
//! the core with `unsafe`: raw-pointer loads and stores so the destination
//! can be written without zero-filling it first.
#![allow(unsafe_code)]

/// Appends `src` XOR `key` to `dst`: `src` masked, or unmasked (the same
/// operation). `offset` is how many payload bytes of this frame came
/// before (the key rotates with the position).
/// Returns the offset to pass for the bytes that follow.
#[inline(always)]
pub fn append_masked(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) -> usize {
    let n = src.len();
    dst.reserve(n);
    let len = dst.len();
    // SAFETY: `reserve` made room for `n` more bytes after `len`, so
    // `dst[len..len + n]` is allocated (possibly uninitialised) memory that
    // does not overlap `src` (a shared borrow cannot alias `dst`'s buffer).
    // `xor_copy` writes every one of those `n` bytes before `set_len` makes
    // them part of the vector.
    unsafe {
        xor_copy(
            src.as_ptr(),
            dst.as_mut_ptr().add(len),
            n,
            rotate(key, offset),
        );
        dst.set_len(len + n);
    }
    (offset + n) & 3
}

/// Writes `src` XOR `key` into `dst`, which has the same length (a frame
/// masked straight into the caller's buffer).
#[inline]
pub fn copy_masked(dst: &mut [u8], src: &[u8], key: [u8; 4]) {
    copy_masked_at(dst, src, key, 0);
}

/// [`copy_masked`] for bytes that start `offset` bytes into the payload.
#[inline]
pub fn copy_masked_at(dst: &mut [u8], src: &[u8], key: [u8; 4], offset: usize) {
    assert_eq!(dst.len(), src.len());
    // SAFETY: both are valid for `src.len()` bytes, and a `&mut` cannot
    // overlap a shared borrow.
    unsafe {
        xor_copy(
            src.as_ptr(),
            dst.as_mut_ptr(),
            src.len(),
            rotate(key, offset),
        )
    };
}

/// Unmasks (or masks) `buf` in place: a whole frame's payload, key from
/// position 0, in the caller's own buffer (no copy, no allocation).
#[inline(always)]
pub fn xor_in_place(buf: &mut [u8], key: [u8; 4]) {
    let p = buf.as_mut_ptr();
    // SAFETY: `p` is valid for reading and writing `buf.len()` bytes; source
    // and destination are the same range, which `xor_copy` allows (every
    // block is read before it is written).
    unsafe { xor_copy(p, p, buf.len(), rotate(key, 0)) };
}

/// The key as it applies from a payload position with `offset % 4` bytes
/// before it, as a little-endian word.
#[inline(always)]
fn rotate(key: [u8; 4], offset: usize) -> u32 {
    u32::from_le_bytes(key).rotate_right(8 * (offset & 3) as u32)
}

/// Writes `n` bytes at `dst`: the bytes at `src` XOR the repeating key
/// (`key` holds the 4 key bytes for positions 0..4 in little-endian order).
///
/// # Safety
/// `src` must be valid for reading and `dst` for writing `n` bytes; the two
/// ranges do not overlap, or are the same range (every block is loaded
/// before it is stored, so unmasking in place works).
#[inline(always)]
unsafe fn xor_copy(src: *const u8, dst: *mut u8, n: usize, key: u32) {
    if n >= LONG {
        // SAFETY: the caller's contract, passed on.
        return unsafe { xor_copy_long(src, dst, n, key) };
    }
    // SAFETY: the caller's contract, passed on.
    unsafe { xor_copy_from(src, dst, n, key, 0) }
}

/// Payloads at least this long take the out-of-line vector loop; shorter
/// ones stay inline (most small frames).
const LONG: usize = 64;

/// `xor_copy` for long payloads: vectors of 32 bytes when the CPU has AVX2.
///
/// # Safety
/// As for `xor_copy`.
#[inline(never)]
unsafe fn xor_copy_long(src: *const u8, dst: *mut u8, n: usize, key: u32) {
    #[allow(unused_mut)]
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        let k64 = u64::from(key) | u64::from(key) << 32;
        // SAFETY: AVX2 is present (checked above); the caller's contract
        // covers the `n` bytes the function stays within.
        i = unsafe { x86::xor_avx2(src, dst, n, k64) };
    }
    // SAFETY: the caller's contract; `i <= n` is a multiple of 4.
    unsafe { xor_copy_from(src, dst, n, key, i) }
}

/// `xor_copy` from byte `i` on, a multiple of 4 (where the key starts over).
///
/// # Safety
/// As for `xor_copy`; `i <= n`.
#[inline(always)]
unsafe fn xor_copy_from(src: *const u8, dst: *mut u8, n: usize, key: u32, mut i: usize) {
    let k64 = u64::from(key) | u64::from(key) << 32;
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the caller's contract; SSE2 is part of the x86-64 baseline.
        i = unsafe { x86::xor_sse2(src, dst, n, k64, i) };
    }
    // Whole words, then at most one 4-byte word and three bytes. Every
    // block is a multiple of 4 bytes long, so the key starts at byte 0 here.
    while i + 8 <= n {
        // SAFETY: `i + 8 <= n`: inside both ranges; unaligned access.
        unsafe {
            let w = src.add(i).cast::<u64>().read_unaligned() ^ k64.to_le();
            dst.add(i).cast::<u64>().write_unaligned(w);
        }
        i += 8;
    }
    if i + 4 <= n {
        // SAFETY: `i + 4 <= n`: inside both ranges; unaligned access.
        unsafe {
            let w = src.add(i).cast::<u32>().read_unaligned() ^ key.to_le();
            dst.add(i).cast::<u32>().write_unaligned(w);
        }
        i += 4;
    }
    let kb = key.to_le_bytes();
    // SAFETY: each access is at an index below `n`, inside both ranges.
    unsafe {
        if i < n {
            *dst.add(i) = *src.add(i) ^ kb[0];
        }
        if i + 1 < n {
            *dst.add(i + 1) = *src.add(i + 1) ^ kb[1];
        }
        if i + 2 < n {
            *dst.add(i + 2) = *src.add(i + 2) ^ kb[2];
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// XORs whole 32-byte blocks from the start; returns the bytes done.
    ///
    /// # Safety
    /// The CPU supports AVX2; `src`/`dst` as in `xor_copy` for `n` bytes.
    #[target_feature(enable = "avx2")]
    pub unsafe fn xor_avx2(src: *const u8, dst: *mut u8, n: usize, k64: u64) -> usize {
        let k = _mm256_set1_epi64x(k64 as i64);
        let mut i = 0;
        // SAFETY (whole function): every access covers `[i, i + 32·m)` with
        // `i + 32·m <= n`, inside both ranges; loadu/storeu are unaligned.
        unsafe {
            while i + 128 <= n {
                let a = _mm256_loadu_si256(src.add(i).cast());
                let b = _mm256_loadu_si256(src.add(i + 32).cast());
                let c = _mm256_loadu_si256(src.add(i + 64).cast());
                let d = _mm256_loadu_si256(src.add(i + 96).cast());
                _mm256_storeu_si256(dst.add(i).cast(), _mm256_xor_si256(a, k));
                _mm256_storeu_si256(dst.add(i + 32).cast(), _mm256_xor_si256(b, k));
                _mm256_storeu_si256(dst.add(i + 64).cast(), _mm256_xor_si256(c, k));
                _mm256_storeu_si256(dst.add(i + 96).cast(), _mm256_xor_si256(d, k));
                i += 128;
            }
            while i + 32 <= n {
                let a = _mm256_loadu_si256(src.add(i).cast());
                _mm256_storeu_si256(dst.add(i).cast(), _mm256_xor_si256(a, k));
                i += 32;
            }
        }
        i
    }

    /// XORs whole 16-byte blocks from `i`; returns where it stopped.
    ///
    /// # Safety
    /// `src`/`dst` as in `xor_copy` for `n` bytes; `i <= n`.
    #[inline(always)]
    pub unsafe fn xor_sse2(
        src: *const u8,
        dst: *mut u8,
        n: usize,
        k64: u64,
        mut i: usize,
    ) -> usize {
        // SAFETY: SSE2 is baseline on x86-64; every access covers
        // `[i, i + 16)` with `i + 16 <= n`.
        unsafe {
            let k = _mm_set1_epi64x(k64 as i64);
            while i + 16 <= n {
                let a = _mm_loadu_si128(src.add(i).cast());
                _mm_storeu_si128(dst.add(i).cast(), _mm_xor_si128(a, k));
                i += 16;
            }
        }
        i
    }
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
        let src: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        for len in 0..src.len() {
            for offset in 0..4 {
                let mut dst = vec![7];
                let next = append_masked(&mut dst, &src[..len], key, offset);
                assert_eq!(&dst[1..], naive(&src[..len], key, offset).as_slice());
                assert_eq!(next, (offset + len) % 4);
            }
        }
    }

    #[test]
    fn in_place_matches_naive_at_every_length() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let src: Vec<u8> = (0..=255u8).cycle().take(300).collect();
        for len in 0..src.len() {
            let mut buf = src[..len].to_vec();
            xor_in_place(&mut buf, key);
            assert_eq!(buf, naive(&src[..len], key, 0));
        }
    }

    #[test]
    fn split_unmasking_equals_whole() {
        let key = [1, 2, 3, 4];
        let src: Vec<u8> = (0..100u8).collect();
        let mut whole = Vec::new();
        append_masked(&mut whole, &src, key, 0);
        let mut parts = Vec::new();
        let mut off = 0;
        for chunk in src.chunks(7) {
            off = append_masked(&mut parts, chunk, key, off);
        }
        assert_eq!(whole, parts);
    }
}
