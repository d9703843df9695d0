//! [`UnverifiedInstall`]: an install whose new token could not be checked against the
//! referer's account for a passing reason; the pair is kept so the install can finish.

use std::fmt;

use crate::error::Error;
use crate::store::TokenPair;

/// An install redirect whose code was exchanged, but whose new token could not be checked
/// against the referer's account (`GET /api/v4/account` failed: a 5xx, a 429, the
/// network). Nothing was stored. The code is spent, so the new pair is kept here: finish
/// the install with [`Integration::complete_install`](crate::Integration::complete_install) once amoCRM answers again,
/// or drop it (the user then installs again).
///
/// The pair never prints (its `Debug` hides the tokens).
pub struct UnverifiedInstall {
    pub(crate) pair: TokenPair,
    pub(crate) referer: String,
    pub(crate) source: Error,
}

impl UnverifiedInstall {
    /// The referer the install was for (as given).
    pub fn referer(&self) -> &str {
        &self.referer
    }

    /// Why the check failed.
    pub fn reason(&self) -> &Error {
        &self.source
    }

    /// The new pair (not checked against the account; not stored).
    pub fn pair(&self) -> &TokenPair {
        &self.pair
    }
}

impl fmt::Debug for UnverifiedInstall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedInstall")
            .field("referer", &self.referer)
            .field("pair", &self.pair)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for UnverifiedInstall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "install for {}: the new token could not be checked against the account ({}); \
             nothing was stored, finish it with Integration::complete_install",
            self.referer_shown(),
            self.source
        )
    }
}

impl UnverifiedInstall {
    /// The referer as shown: at most 100 characters of it.
    fn referer_shown(&self) -> String {
        self.referer.chars().take(100).collect()
    }
}

impl std::error::Error for UnverifiedInstall {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
