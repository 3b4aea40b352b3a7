//! What a document is: OB 3.0 AchievementCredential, EndorsementCredential, CLR 2.0 ClrCredential (on VCDM 2.0 or
//! legacy 1.1), or something this tool does not know — always with the evidence used.

use serde::Serialize;

/// The credential kinds the data-model checks know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DocKind {
    /// OB 3.0 AchievementCredential / OpenBadgeCredential.
    Achievement,
    /// OB 3.0 EndorsementCredential.
    Endorsement,
    /// CLR 2.0 ClrCredential.
    Clr,
}
