//! Why an uninstall hook was refused.

/// Why [`UninstallHook`](crate::integration::UninstallHook) verification failed; a refused hook changes
/// nothing. None of the variants carries the signature.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UninstallHookError {
    /// A parameter (`account_id`, `client_uuid`/`client_id`, `signature`) is missing or
    /// given twice.
    #[error("the uninstall hook is malformed: {0}")]
    Malformed(String),
    /// The hook names another integration's client id.
    #[error("the uninstall hook is for another integration")]
    OtherIntegration,
    /// The signature is not the HMAC-SHA256 of the client id and account id keyed with
    /// this integration's secret: forged, or its account id changed.
    #[error("the uninstall hook's signature is invalid")]
    InvalidSignature,
}
