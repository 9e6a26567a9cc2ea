//! OS randomness and the server's random code formats (PROTOCOL §1).

/// Crockford-style alphabet without I, L, O, U (as FxA's `random.base32`).
pub const BASE32_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Fills `buf` from the OS RNG.
///
/// # Panics
/// Only if the OS RNG fails, which leaves nothing safe to do.
pub fn fill(buf: &mut [u8]) {
    getrandom::getrandom(buf).expect("OS random number generator failed");
}

/// `N` random bytes from the OS RNG. Panics only if the OS RNG fails.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill(&mut out);
    out
}

/// `len` characters from [`BASE32_ALPHABET`]; each carries 5 uniform bits (no bias).
pub fn base32(len: usize) -> String {
    let mut raw = vec![0u8; len];
    fill(&mut raw);
    raw.iter()
        .map(|b| BASE32_ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

/// `len` decimal digits, uniform (bytes ≥ 250 are rejected, so no modulo bias).
/// Leading zeros are kept: the result always has exactly `len` characters.
pub fn base10(len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        fill(&mut buf);
        for &b in buf.iter().filter(|&&b| b < 250) {
            if out.len() == len {
                break;
            }
            out.push(char::from(b'0' + b % 10));
        }
    }
    out
}

/// Lowercase hex of `n_bytes` random bytes (`2 * n_bytes` characters).
pub fn hex(n_bytes: usize) -> String {
    let mut raw = vec![0u8; n_bytes];
    fill(&mut raw);
    hex::encode(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        for n in [0usize, 1, 6, 8, 32, 100, 1000] {
            assert_eq!(base32(n).len(), n);
            assert_eq!(base10(n).len(), n);
            assert_eq!(hex(n).len(), 2 * n);
        }
        assert_eq!(bytes::<0>(), []);
        assert_eq!(bytes::<16>().len(), 16);
    }

    #[test]
    fn alphabets() {
        let b32 = base32(4000);
        assert!(b32.bytes().all(|c| BASE32_ALPHABET.contains(&c)));
        assert!(!b32.contains(['I', 'L', 'O', 'U']));
        // every symbol shows up in 4000 draws (fails with probability < 1e-50)
        assert!(BASE32_ALPHABET.iter().all(|c| b32.as_bytes().contains(c)));
        let b10 = base10(2000);
        assert!(b10.bytes().all(|c| c.is_ascii_digit()));
        assert!((b'0'..=b'9').all(|c| b10.as_bytes().contains(&c)));
        let h = hex(500);
        assert!(h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
    }

    #[test]
    fn not_constant() {
        assert_ne!(bytes::<32>(), bytes::<32>());
        assert_ne!(hex(16), hex(16));
        assert_ne!(base32(26), base32(26));
        assert_ne!(base10(30), base10(30));
    }

    #[test]
    fn base10_roughly_uniform() {
        let s = base10(20_000);
        let mut counts = [0u32; 10];
        for b in s.bytes() {
            counts[usize::from(b - b'0')] += 1;
        }
        // expected 2000 each; sd ≈ 42, so ±300 is > 7 sd
        assert!(
            counts.iter().all(|&c| (1700..=2300).contains(&c)),
            "{counts:?}"
        );
    }
}
