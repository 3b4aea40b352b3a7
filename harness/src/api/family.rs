//! What the checks of one API family (`OB30-API-*` or `CLR20-API-*`) share while they run: the family, its token,
//! the error responses kept for the imsx_StatusInfo check and the uploads the provider accepted.

use std::collections::HashSet;

use super::checks::ApiRule;
use super::http::Resp;
use super::target::Family;
use crate::check::Check;

/// An error response kept for the imsx_StatusInfo check, with the codeMinor it should carry.
pub(super) struct ErrorResp {
    pub(super) resp: Resp,
    pub(super) what: String,
    pub(super) minor: Option<&'static str>,
}

pub(super) struct Ctx {
    pub(super) family: Family,
    pub(super) token: String,
    pub(super) errors: Vec<ErrorResp>,
    /// Ids of the uploads the provider accepted (2xx) in this run: only those can be expected back (`018`).
    pub(super) accepted: HashSet<String>,
}

impl Ctx {
    /// This family's check of `rule`.
    pub(super) fn check(&self, rule: ApiRule) -> &'static Check {
        rule.of(self.family)
    }
}
