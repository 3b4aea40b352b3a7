//! Format checks: reported by the decoder ([`crate::decode`]) when the bytes cannot yield a credential.

use clr_reports::{Level, Role, RuleSource, Spec};

use crate::check::declare_checks;
use crate::check::{Check, Runner};
use crate::vocab::links;

const fn format_check(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    spec_url: &'static str,
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level: Level::Must,
        source: RuleSource::Normative,
        roles: &[Role::Issuer, Role::Verifier],
        spec: Spec::Ob30,
        area: "format",
        applies_to: &[],
        runner: Runner::Decode,
    }
}

declare_checks! {
    list CHECKS;
    OB30_FMT_001 = format_check(
        crate::decode::CHECK_JSON,
        "JSON document",
        "A credential file with an embedded proof MUST be UTF-8 JSON that is well-formed and holds exactly one \
         credential object, within the harness size and nesting limits.",
        links::OB_FILE_FORMAT,
    );
    OB30_FMT_002 = format_check(
        crate::decode::CHECK_JWS,
        "Compact JWS",
        "A VC-JWT credential MUST be a compact JWS of three base64url segments whose header is a JSON object and \
         whose payload is the credential JSON.",
        links::OB_JWT_PROOF,
    );
    OB30_FMT_003 = format_check(
        crate::decode::CHECK_PNG,
        "Baked PNG",
        "A baked PNG MUST carry the credential in exactly one uncompressed iTXt chunk with keyword \
         openbadgecredential, holding a compact JWS or the credential JSON.",
        links::OB_BAKING_PNG,
    );
    OB30_FMT_004 = format_check(
        crate::decode::CHECK_SVG,
        "Baked SVG",
        "A baked SVG MUST declare the xmlns:openbadges namespace on its svg root and contain exactly one \
         openbadges:credential element with a compact JWS in its verify attribute or the credential JSON in CDATA.",
        links::OB_BAKING_SVG,
    );
}
