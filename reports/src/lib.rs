//! clr-reports: the run model every part of clr-harness reports into, and the reporters that render it.
//!
//! Data flow: checks produce [`model::Finding`]s → grouped into [`model::CheckResult`]s per [`model::Subject`] →
//! one [`model::Run`] → reporters (`terminal`, `json`, `junit`, `markdown`; `html` comes with provider runs).

pub mod model;

pub use model::*;
