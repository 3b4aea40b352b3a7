//! Proofs: Data Integrity (`eddsa-rdfc-2022`, legacy `eddsa-2022` and `Ed25519Signature2020`), VC-JWT, and the key
//! material behind them (Multikey, did:key, did:web, JWK/JWKS), for verifying and for signing.

pub mod di;
pub mod jwt;
pub mod keyfile;
pub mod keys;
pub mod multikey;
pub mod sign;
