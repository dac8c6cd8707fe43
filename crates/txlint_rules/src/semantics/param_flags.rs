//! One yes-or-no fact per parameter of a function, as bits. The project index keeps a
//! summary of every function of a project, several facts each, and most summaries say
//! nothing of most parameters: then nothing is allocated (a `Vec<bool>` a fact cost a
//! heap block per function and fact, skeletons that say nothing included).

/// The parameters (by position) a fact holds for.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ParamFlags(
    /// Bit `i % 64` of word `i / 64` for parameter `i`; no trailing zero word, so equal
    /// sets are equal values.
    Box<[u64]>,
);

impl ParamFlags {
    /// Whether the fact holds for parameter `position`.
    pub fn has(&self, position: usize) -> bool {
        self.0
            .get(position / 64)
            .is_some_and(|word| word & (1 << (position % 64)) != 0)
    }

    pub fn set(&mut self, position: usize) {
        let word = position / 64;
        if word >= self.0.len() {
            let mut words = std::mem::take(&mut self.0).into_vec();
            words.resize(word + 1, 0);
            self.0 = words.into_boxed_slice();
        }
        self.0[word] |= 1 << (position % 64);
    }

    pub fn unset(&mut self, position: usize) {
        let Some(word) = self.0.get_mut(position / 64) else {
            return;
        };
        *word &= !(1 << (position % 64));
        let kept = self
            .0
            .iter()
            .rposition(|w| *w != 0)
            .map_or(0, |last| last + 1);
        if kept < self.0.len() {
            self.0 = self.0[..kept].into();
        }
    }

    /// Whether the fact holds for no parameter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Position `i` of the iteration is parameter `i`.
impl FromIterator<bool> for ParamFlags {
    fn from_iter<I: IntoIterator<Item = bool>>(iter: I) -> ParamFlags {
        let mut flags = ParamFlags::default();
        for (position, holds) in iter.into_iter().enumerate() {
            if holds {
                flags.set(position);
            }
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::ParamFlags;

    #[test]
    fn set_and_unset_across_words() {
        let mut flags: ParamFlags = [false, true, false].into_iter().collect();
        assert!(flags.has(1) && !flags.has(0) && !flags.has(2) && !flags.has(500));
        flags.set(130);
        assert!(flags.has(130) && !flags.has(66));
        flags.unset(130);
        // Back to the one word it needs: equal to the same set built afresh.
        assert_eq!(flags, [false, true].into_iter().collect());
        flags.unset(1);
        assert!(flags.is_empty());
        assert_eq!(flags, ParamFlags::default());
        flags.unset(7);
        assert!(flags.is_empty());
    }
}
