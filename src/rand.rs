//! The injectable source of randomness: client keys and masking keys.
//!
//! The core never reaches for randomness on its own; drivers take a
//! [`RandomSource`], so tests can fix keys and masks and compare bytes.

/// Fills buffers with random bytes.
pub trait RandomSource: Send {
    fn fill(&mut self, buf: &mut [u8]);
}

/// Bytes read from the operating system at a time.
const POOL: usize = 256;

/// The operating system's generator (`getrandom`), read in blocks so that a
/// client masking many small frames does not make one system call per frame
/// (one per 64 masking keys).
pub struct OsRandom {
    pool: [u8; POOL],
    used: usize,
}

impl OsRandom {
    pub fn new() -> Self {
        OsRandom {
            pool: [0; POOL],
            used: POOL,
        }
    }
}

impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if buf.len() > self.pool.len() {
            getrandom::fill(buf).expect("the operating system has no random source");
            return;
        }
        if self.used + buf.len() > self.pool.len() {
            getrandom::fill(&mut self.pool).expect("the operating system has no random source");
            self.used = 0;
        }
        buf.copy_from_slice(&self.pool[self.used..self.used + buf.len()]);
        self.used += buf.len();
    }
}

/// A deterministic source that repeats a byte pattern; for tests and for
/// hosts that supply their own keys.
pub struct FixedRandom {
    pattern: Vec<u8>,
    pos: usize,
}

impl FixedRandom {
    pub fn new(pattern: &[u8]) -> Self {
        assert!(!pattern.is_empty(), "FixedRandom needs a non-empty pattern");
        FixedRandom {
            pattern: pattern.to_vec(),
            pos: 0,
        }
    }
}

impl RandomSource for FixedRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.pattern[self.pos % self.pattern.len()];
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_random_varies() {
        let mut r = OsRandom::new();
        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
        r.fill(&mut a);
        r.fill(&mut b);
        assert_ne!(a, b);
        let mut big = [0u8; 100];
        r.fill(&mut big);
        assert!(big.iter().any(|&x| x != 0));
    }

    #[test]
    fn fixed_random_repeats() {
        let mut r = FixedRandom::new(&[1, 2, 3]);
        let mut a = [0u8; 5];
        r.fill(&mut a);
        assert_eq!(a, [1, 2, 3, 1, 2]);
    }
}
