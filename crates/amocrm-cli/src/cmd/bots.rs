//! `amocrm bot …`.

pub mod handlers;
