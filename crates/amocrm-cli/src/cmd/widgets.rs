//! `amocrm widgets …`.

pub mod settings_input;
