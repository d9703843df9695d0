//! PostgreSQL token store for [`amocrm`].
#![warn(missing_docs)]

mod error;
mod schema;
mod store;

pub use error::Error;
pub use schema::{DEFAULT_SCHEMA, DEFAULT_TABLE};
pub use store::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_CONNECTIONS, PostgresTokenLock, PostgresTokenStore,
    PostgresTokenStoreBuilder,
};
pub use tokio_postgres;
