//! An account's standing with amoCRM: in good standing, blocked for exceeding the rate
//! limit (a few 429s, then 403 with an HTML page on every request, until unblocked), or
//! unpaid (402 on every API request).

/// The HTML page a blocked account answers with (amoCRM's is an nginx-style page).
pub const BLOCK_PAGE: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n\
<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n\
<p>Access to the API of this account is blocked for exceeding the request limits.</p>\r\n\
<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What an account answers, whatever is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Standing {
    /// Requests are answered.
    #[default]
    Good,
    /// `rate_limited` more 429s, then 403 with [`BLOCK_PAGE`].
    Blocked {
        /// 429s still to answer before the 403s.
        rate_limited: u32,
    },
    /// 402 on every API request.
    Unpaid,
}

/// The answer an account in `standing` gives instead of the route's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    TooManyRequests,
    BlockPage,
    PaymentRequired,
}

impl Standing {
    /// The refusal of the next request, moving the block on.
    pub fn next(&mut self) -> Option<Refusal> {
        match self {
            Standing::Good => None,
            Standing::Unpaid => Some(Refusal::PaymentRequired),
            Standing::Blocked { rate_limited: 0 } => Some(Refusal::BlockPage),
            Standing::Blocked { rate_limited } => {
                *rate_limited -= 1;
                Some(Refusal::TooManyRequests)
            }
        }
    }
}
