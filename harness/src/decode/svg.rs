//! Baked SVG: the `openbadges:credential` element, its `verify` attribute (JWS) or CDATA body (JSON).
