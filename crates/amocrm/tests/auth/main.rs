//! OAuth: the code exchange and the refresh protocol against the fake, the token
//! endpoint's odd answers, several accounts of one fake.

mod accounts;
mod oauth_flow;
mod token_answers;
