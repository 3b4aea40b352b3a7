//! JSON-LD processing for Data Integrity proofs: the project's embedded contexts (never fetched), expansion to RDF
//! and RDFC-1.0 canonicalization under a budget.

pub mod canon;
pub mod contexts;
pub mod rdfc;
