//! Webhooks: the subscription calls against the fake, the receiver's reading of amoCRM's
//! form bodies (a corpus of every event type), and the fake delivering to a loopback
//! receiver built with the axum extractor.

mod api;
mod corpus;
mod delivery;
