//! The choice tape every generator draws from.
//!
//! Generators never touch a random number generator directly: they ask a [`Chooser`] for "a number below n", and
//! the chooser either draws it from quickcheck's seeded [`Gen`] (recording it on a tape) or replays a tape. Two
//! things follow. A case is reproducible from its tape alone, and shrinking works on the tape rather than on the
//! JSON: every tape, including a shrunk one, replays into a document the generator built, so a shrunk valid
//! document is still valid by construction (shrinking the JSON would break cross-references and report a
//! different failure). Choice 0 is always the simplest option (omit the optional property, one item, the first
//! vocabulary term), so a tape shrunk towards zeros is a smaller document.

use quickcheck::Gen;

/// Every byte value, so that `Gen::choose` (uniform over a slice) yields uniform random bits; quickcheck's integer
/// `Arbitrary` impls favour 0, 1 and MAX, which would skew how often optional properties appear.
const BYTES: [u8; 256] = {
    let mut b = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        b[i] = i as u8;
        i += 1;
    }
    b
};

/// Draws choices from a seeded generator (recording them) or replays a recorded tape.
pub struct Chooser<'g> {
    tape: Vec<u32>,
    pos: usize,
    rng: Option<&'g mut Gen>,
}

impl<'g> Chooser<'g> {
    /// Draws fresh choices from `rng`, recording them.
    pub fn random(rng: &'g mut Gen) -> Self {
        Chooser {
            tape: Vec::new(),
            pos: 0,
            rng: Some(rng),
        }
    }

    /// Replays `tape`; past its end every choice is 0 (the simplest option).
    pub fn replay(tape: &[u32]) -> Chooser<'static> {
        Chooser {
            tape: tape.to_vec(),
            pos: 0,
            rng: None,
        }
    }

    /// A number in `0..n` (0 when `n` is 0 or 1).
    pub fn below(&mut self, n: usize) -> usize {
        let n32 = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
        let v = if self.pos < self.tape.len() {
            self.tape[self.pos] % n32
        } else if let Some(rng) = self.rng.as_deref_mut() {
            let mut raw = [0u8; 4];
            for b in &mut raw {
                *b = rng.choose(&BYTES).copied().unwrap_or(0);
            }
            let v = u32::from_le_bytes(raw) % n32;
            self.tape.push(v);
            v
        } else {
            0
        };
        self.pos += 1;
        v as usize
    }

    /// True with about `percent` % probability; choice 0 is `false`, so shrinking drops optional things.
    pub fn flag(&mut self, percent: usize) -> bool {
        self.below(100) >= 100usize.saturating_sub(percent)
    }

    /// One item of a non-empty slice (the first for choice 0).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// A count in `1..=max` (1 for choice 0).
    pub fn count(&mut self, max: usize) -> usize {
        1 + self.below(max.max(1))
    }

    /// A replaying chooser at the same position: what follows is the same choices (or zeros past the tape), so
    /// several consumers can start from one point of a case's tape.
    pub fn fork(&self) -> Chooser<'static> {
        Chooser {
            tape: self.tape.clone(),
            pos: self.pos,
            rng: None,
        }
    }

    /// The choices made so far (for a random chooser: the tape that replays them).
    pub fn into_tape(self) -> Vec<u32> {
        self.tape
    }

    /// How many choices were made.
    pub fn used(&self) -> usize {
        self.pos
    }
}

/// Smaller tapes to try when a tape fails, simplest first (quickcheck's shrinking protocol: the caller keeps the
/// first candidate that still fails and asks again). Cutting the tail makes every later choice 0; zeroing or
/// halving one choice simplifies one decision.
pub fn shrink_tape(tape: &[u32]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut cut = tape.len() / 2;
    while cut < tape.len() {
        out.push(tape[..cut].to_vec());
        cut += (tape.len() - cut).div_ceil(2);
    }
    for (i, &v) in tape.iter().enumerate() {
        if v != 0 {
            let mut t = tape.to_vec();
            t[i] = 0;
            out.push(t);
        }
    }
    for (i, &v) in tape.iter().enumerate() {
        if v > 1 {
            let mut t = tape.to_vec();
            t[i] = v / 2;
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_tape_replays_the_same_choices() {
        let mut g = Gen::from_size_and_seed(10, 7);
        let mut c = Chooser::random(&mut g);
        let drawn: Vec<usize> = (1..40).map(|n| c.below(n)).collect();
        let tape = c.into_tape();
        let mut r = Chooser::replay(&tape);
        let replayed: Vec<usize> = (1..40).map(|n| r.below(n)).collect();
        assert_eq!(drawn, replayed);
        assert_eq!(r.below(5), 0, "past the tape every choice is 0");
    }

    #[test]
    fn shrink_candidates_are_smaller() {
        let tape = vec![5, 0, 9, 2];
        let c = shrink_tape(&tape);
        assert!(c.contains(&vec![5, 0]));
        assert!(c.contains(&vec![0, 0, 9, 2]));
        assert!(c.contains(&vec![5, 0, 4, 2]));
        assert!(c.iter().all(|t| t != &tape));
    }
}
