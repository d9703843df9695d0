//! The table: where it lives, the statements on it, and its idempotent creation.

use tokio_postgres::Client;

use crate::error::Error;

/// The default schema.
pub const DEFAULT_SCHEMA: &str = "public";
/// The default table name.
pub const DEFAULT_TABLE: &str = "amocrm_tokens";

/// Key of the transaction-level advisory lock that serializes `migrate()` runs (two int4
/// keys: "amoc" and the schema's hash), so concurrent first uses never race on CREATE: of
/// the schema too, which the stores of other tables in it create as well.
const MIGRATE_LOCK_CLASS: i32 = 0x616d_6f63;

/// What deleting a pair writes.
const EMPTIED: &str = "access_token = NULL, refresh_token = NULL, expires_at = NULL, \
    account_id = NULL, generation = generation + 1, updated_at = now()";

/// A checked schema + table and the statements on it, built once per store.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    schema: String,
    name: String,
    qualified: String,
    pub(crate) select: String,
    pub(crate) insert_empty: String,
    pub(crate) update: String,
    pub(crate) set_account_id: String,
    pub(crate) delete: String,
    pub(crate) delete_account_id: String,
    pub(crate) accounts_of_id: String,
    pub(crate) accounts_without_id: String,
}

impl Table {
    pub(crate) fn new(schema: &str, name: &str) -> Result<Table, Error> {
        check_identifier("schema", schema)?;
        check_identifier("table", name)?;
        let qualified = format!("\"{schema}\".\"{name}\"");
        Ok(Table {
            select: format!(
                "SELECT access_token, refresh_token, expires_at, generation FROM {qualified} WHERE account = $1"
            ),
            insert_empty: format!(
                "INSERT INTO {qualified} (account) VALUES ($1) ON CONFLICT (account) DO NOTHING"
            ),
            update: format!(
                "UPDATE {qualified} SET access_token = $2, refresh_token = $3, expires_at = $4, \
                 generation = generation + 1, updated_at = now() \
                 WHERE account = $1 AND generation = $5 RETURNING generation"
            ),
            set_account_id: format!(
                "UPDATE {qualified} SET account_id = $2 WHERE account = $1 AND access_token IS NOT NULL"
            ),
            // A deleted pair leaves its row, emptied, with its generation moved on: a holder
            // that read the pair before cannot save over the deletion.
            delete: format!(
                "UPDATE {qualified} SET {EMPTIED} WHERE account = $1 AND access_token IS NOT NULL \
                 RETURNING account"
            ),
            delete_account_id: format!(
                "UPDATE {qualified} SET {EMPTIED} WHERE account_id = $1 AND access_token IS NOT NULL \
                 RETURNING account"
            ),
            accounts_of_id: format!(
                "SELECT account FROM {qualified} WHERE account_id = $1 AND access_token IS NOT NULL"
            ),
            accounts_without_id: format!(
                "SELECT account FROM {qualified} WHERE account_id IS NULL AND access_token IS NOT NULL \
                 ORDER BY account"
            ),
            schema: schema.to_owned(),
            name: name.to_owned(),
            qualified,
        })
    }

    /// `"schema"."table"`.
    pub(crate) fn qualified(&self) -> &str {
        &self.qualified
    }

    /// The session advisory lock key of `account` in this table: FNV-1a (64 bit) of
    /// `schema.table`, a NUL byte and the account, as a signed bigint. Stable across
    /// versions and languages, so other programs can take the same lock.
    pub(crate) fn lock_key(&self, account: &str) -> i64 {
        let bytes = self
            .schema
            .bytes()
            .chain(std::iter::once(b'.'))
            .chain(self.name.bytes())
            .chain(std::iter::once(0))
            .chain(account.bytes());
        fnv1a(bytes) as i64
    }

    /// The second key of the migration lock: one per schema, since every table's migration
    /// may create the schema.
    fn migrate_key(&self) -> i32 {
        (fnv1a(self.schema.bytes()) >> 32) as i32
    }

    /// Creates the schema and the table unless they exist. Safe to run at the same time from
    /// many processes (a transaction-level advisory lock serializes the runs), and needs
    /// CREATE privileges only for what is missing.
    pub(crate) async fn migrate(&self, client: &mut Client) -> Result<(), Error> {
        let tx = client
            .transaction()
            .await
            .map_err(|e| Error::query("migrate (BEGIN)", e))?;
        let key = self.migrate_key();
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&MIGRATE_LOCK_CLASS, &key],
        )
        .await
        .map_err(|e| Error::query("migrate (advisory lock)", e))?;
        let schema_exists = tx
            .query_opt(
                "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
                &[&self.schema],
            )
            .await
            .map_err(|e| Error::query("migrate (look up schema)", e))?
            .is_some();
        if !schema_exists {
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", self.schema))
                .await
                .map_err(|e| Error::query("migrate (CREATE SCHEMA)", e))?;
        }
        let table_exists = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&self.qualified])
            .await
            .map_err(|e| Error::query("migrate (look up table)", e))?
            .get::<_, bool>(0);
        if !table_exists {
            tx.batch_execute(&self.create_table())
                .await
                .map_err(|e| Error::query("migrate (CREATE TABLE)", e))?;
        }
        // Tables created before the account id was recorded gain its column.
        let has_account_id = tx
            .query_opt(
                "SELECT 1 FROM information_schema.columns \
                 WHERE table_schema = $1 AND table_name = $2 AND column_name = 'account_id'",
                &[&self.schema, &self.name],
            )
            .await
            .map_err(|e| Error::query("migrate (look up account_id)", e))?
            .is_some();
        if !has_account_id {
            tx.batch_execute(&format!(
                "ALTER TABLE {q} ADD COLUMN IF NOT EXISTS account_id bigint;\n{index}",
                q = self.qualified,
                index = self.account_id_index(),
            ))
            .await
            .map_err(|e| Error::query("migrate (ADD COLUMN account_id)", e))?;
        }
        tx.commit()
            .await
            .map_err(|e| Error::query("migrate (COMMIT)", e))
    }

    /// The table's DDL (shown in the README).
    pub(crate) fn create_table(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {q} (
    account       text PRIMARY KEY,
    access_token  text,
    refresh_token text,
    expires_at    timestamptz,
    generation    bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    account_id    bigint,
    CONSTRAINT {name}_pair_complete CHECK (
        (access_token IS NULL) = (refresh_token IS NULL)
        AND (access_token IS NULL) = (expires_at IS NULL))
);
{index}",
            q = self.qualified,
            name = self.name,
            index = self.account_id_index(),
        )
    }

    /// The index the uninstall hook's look-up by account id uses.
    fn account_id_index(&self) -> String {
        format!(
            "CREATE INDEX IF NOT EXISTS \"{name}_account_id\" ON {q} (account_id)",
            name = self.name,
            q = self.qualified,
        )
    }
}

/// FNV-1a, 64 bit.
fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Schema and table names are spliced into SQL: only plain identifiers are accepted
/// (ASCII letters, digits, `_`, not starting with a digit, at most 63 bytes; the table name
/// at most 48 so its constraint name fits).
fn check_identifier(what: &str, name: &str) -> Result<(), Error> {
    let max = if what == "table" { 48 } else { 63 };
    let ok = !name.is_empty()
        && name.len() <= max
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "the {what} name {name:?} is not a plain identifier (ASCII letters, digits and _, not starting with a digit, at most {max} bytes)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked() {
        assert!(Table::new("public", "amocrm_tokens").is_ok());
        assert!(Table::new("Fleet_2", "t").is_ok());
        for bad in ["", "a b", "a\"b", "1abc", "a;drop", "ä"] {
            assert!(Table::new(bad, "t").is_err(), "{bad:?}");
            assert!(Table::new("public", bad).is_err(), "{bad:?}");
        }
        assert!(Table::new(&"s".repeat(64), "t").is_err());
        assert!(Table::new("s", &"t".repeat(49)).is_err());
    }

    #[test]
    fn lock_keys_differ_per_account_and_table_and_are_stable() {
        let a = Table::new("public", "amocrm_tokens").unwrap();
        let b = Table::new("other", "amocrm_tokens").unwrap();
        assert_ne!(a.lock_key("x"), a.lock_key("y"));
        assert_ne!(a.lock_key("x"), b.lock_key("x"));
        assert_eq!(a.lock_key("x"), a.clone().lock_key("x"));
        // Migrations of every table of a schema take one lock (each may create the schema).
        let c = Table::new("public", "other_tokens").unwrap();
        assert_eq!(a.migrate_key(), c.migrate_key());
        assert_ne!(a.migrate_key(), b.migrate_key());
        // FNV-1a 64 of "public.amocrm_tokens\0https://example.amocrm.ru": fixed forever
        // (other programs may take the same lock; a change would split a fleet in two).
        assert_eq!(
            a.lock_key("https://example.amocrm.ru"),
            -4_893_186_912_742_293_909
        );
    }
}
