//! Random bytes from the operating system, for every secret, salt, nonce and jitter the server
//! makes. Without a working random source nothing safe can be made, so failing to read one stops
//! the request (or the start) that needed it.

/// `N` random bytes.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// `N` random bytes in lower-case hex (session ids, nonces).
pub fn hex<const N: usize>() -> String {
    bytes::<N>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A uniform number in [0, 1).
pub fn unit() -> f64 {
    (u64::from_le_bytes(bytes()) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_differ_and_units_stay_in_range() {
        assert_ne!(super::bytes::<32>(), super::bytes::<32>());
        assert_eq!(super::hex::<16>().len(), 32);
        assert!((0..1000).map(|_| super::unit()).all(|u| (0.0..1.0).contains(&u)));
    }
}
