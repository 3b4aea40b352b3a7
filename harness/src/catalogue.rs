//! The check catalogue: one registry of every check, with its stable id, requirement, spec link, level and roles.
//!
//! Selection flags (`--only`, `--skip`), `clr-harness checks`, the README table and every report format come from
//! [`all`]. Checks are declared next to the code that runs them (`checks::*`) and assembled here explicitly, in
//! data-flow order: format → detection → structure → classes → cross-references → embedded credentials.

use crate::check::Check;
use crate::checks;

/// Every check as a typed constant, e.g. `ids::OB30_PRF_005`. API checks are named per family through
/// [`crate::api::checks::ApiRule`].
pub mod ids {
    pub use crate::api::checks::case10::ids::*;
    pub use crate::api::checks::clr10::ids::*;
    pub use crate::api::checks::ids::*;
    pub use crate::checks::case10::ids::*;
    pub use crate::checks::classes::ids::*;
    pub use crate::checks::clr::ids::*;
    pub use crate::checks::clr10::ids::*;
    pub use crate::checks::credential::ids::*;
    pub use crate::checks::endorsement::ids::*;
    pub use crate::checks::format::ids::*;
    pub use crate::checks::jwt::ids::*;
    pub use crate::checks::ob20::ids::*;
    pub use crate::checks::ob20_extensions::ids::*;
    pub use crate::checks::official_schema::ids::*;
    pub use crate::checks::proof::ids::*;
    pub use crate::checks::references::ids::*;
    pub use crate::checks::status::ids::*;
    pub use crate::checks::values::ids::*;
    pub use crate::checks::verification::ids::*;
    pub use crate::consumer::checks::ids::*;
    pub use crate::verifier::checks::ids::*;
}

/// Every check, in data-flow order. Ids are unique (a test proves it).
pub fn all() -> &'static [Check] {
    static ALL: std::sync::OnceLock<Vec<Check>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        v.extend_from_slice(checks::format::CHECKS);
        v.extend_from_slice(checks::credential::CHECKS);
        v.extend_from_slice(checks::classes::CHECKS);
        v.extend_from_slice(checks::values::CHECKS);
        v.extend_from_slice(checks::references::CHECKS);
        v.extend_from_slice(checks::endorsement::CHECKS);
        v.extend_from_slice(checks::clr::CHECKS);
        v.extend_from_slice(checks::official_schema::CHECKS);
        v.extend_from_slice(checks::proof::CHECKS);
        v.extend_from_slice(checks::jwt::CHECKS);
        v.extend_from_slice(checks::verification::CHECKS);
        v.extend_from_slice(checks::status::CHECKS);
        v.extend_from_slice(checks::ob20::CHECKS);
        v.extend_from_slice(checks::ob20_extensions::CHECKS);
        v.extend_from_slice(checks::clr10::CHECKS);
        v.extend_from_slice(checks::case10::CHECKS);
        v.extend_from_slice(crate::api::checks::OAUTH);
        v.extend_from_slice(crate::api::checks::OB_API);
        v.extend_from_slice(crate::api::checks::CLR_API);
        v.extend_from_slice(crate::api::checks::clr10::CHECKS);
        v.extend_from_slice(crate::api::checks::case10::CHECKS);
        v.extend_from_slice(crate::consumer::checks::CHECKS);
        v.extend_from_slice(crate::verifier::checks::CHECKS);
        v
    })
}

/// The check with this id.
pub fn get(id: &str) -> Option<&'static Check> {
    all().iter().find(|c| c.id == id)
}

/// Which checks a run uses: `--only` globs (none = all) minus `--skip` globs.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    pub fn selects(&self, id: &str) -> bool {
        let included = self.only.is_empty() || self.only.iter().any(|g| glob_match(g, id));
        included && !self.skip.iter().any(|g| glob_match(g, id))
    }

    /// Globs that match no check at all (a typo the user should hear about).
    pub fn unmatched_globs(&self) -> Vec<&str> {
        self.only
            .iter()
            .chain(self.skip.iter())
            .filter(|g| !all().iter().any(|c| glob_match(g, c.id)))
            .map(String::as_str)
            .collect()
    }

    pub fn selected(&self) -> impl Iterator<Item = &'static Check> + '_ {
        all().iter().filter(|c| self.selects(c.id))
    }
}

/// Case-insensitive glob with `*` (any run) and `?` (one character). A glob without wildcards is also a prefix
/// (`OB30-DM` selects `OB30-DM-001` …), as in h2spec.
pub fn glob_match(glob: &str, id: &str) -> bool {
    let g: Vec<char> = glob.to_ascii_uppercase().chars().collect();
    let s: Vec<char> = id.to_ascii_uppercase().chars().collect();
    if !g.iter().any(|c| *c == '*' || *c == '?') {
        return s.starts_with(&g);
    }
    // Iterative wildcard match with backtracking to the last `*`.
    let (mut gi, mut si, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while si < s.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == s[si]) {
            gi += 1;
            si += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some(gi);
            mark = si;
            gi += 1;
        } else if let Some(st) = star {
            gi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while gi < g.len() && g[gi] == '*' {
        gi += 1;
    }
    gi == g.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Runner;
    use clr_reports::{Level, RuleSource};
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in all() {
            assert!(seen.insert(c.id), "duplicate check id {}", c.id);
            let parts: Vec<&str> = c.id.split('-').collect();
            assert_eq!(parts.len(), 3, "{} is not SPEC-AREA-NNN", c.id);
            assert!(
                parts[2].len() == 3 && parts[2].chars().all(|ch| ch.is_ascii_digit()),
                "{}",
                c.id
            );
            assert!(!c.requirement.is_empty() && !c.title.is_empty(), "{} lacks text", c.id);
            assert!(c.spec_url.starts_with("https://"), "{} lacks a spec link", c.id);
            assert!(!c.roles.is_empty(), "{} has no role", c.id);
            if let Runner::Document(_) = c.runner {
                assert!(!c.applies_to.is_empty(), "{} applies to no document kind", c.id);
            }
            if c.source == RuleSource::Inferred {
                assert_ne!(c.level, Level::Must, "{} is inferred and must not be MUST", c.id);
            }
        }
    }

    #[test]
    fn globs_match_like_a_shell_and_bare_words_as_prefixes() {
        assert!(glob_match("OB30-DM-*", "OB30-DM-004"));
        assert!(glob_match("ob30-dm-00?", "OB30-DM-004"));
        assert!(glob_match("*-FMT-*", "OB30-FMT-002"));
        assert!(glob_match("OB30-DM", "OB30-DM-010"));
        assert!(!glob_match("OB30-DM-*", "CLR20-DM-004"));
        assert!(!glob_match("OB30-DM-00?", "OB30-DM-010"));
        assert!(glob_match("*", "X"));
    }

    #[test]
    fn selection_applies_only_then_skip() {
        let sel = Selection {
            only: vec!["OB30-DM-*".into()],
            skip: vec!["OB30-DM-002".into()],
        };
        assert!(sel.selects("OB30-DM-003"));
        assert!(!sel.selects("OB30-DM-002"));
        assert!(!sel.selects("CLR20-DM-001"));
        let typo = Selection {
            only: vec!["OB31-*".into()],
            skip: vec![],
        };
        assert_eq!(typo.unmatched_globs(), vec!["OB31-*"]);
    }
}
