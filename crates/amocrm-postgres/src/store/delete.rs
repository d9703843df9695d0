//! What the uninstall hook needs of the store: the account id recorded by an install, and
//! pairs deleted by account or by that id.

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

use super::PostgresTokenStore;
use crate::error::Error;

impl PostgresTokenStore {
    /// Records that `account`'s pair is amoCRM account `account_id`'s.
    pub async fn record_account_id(&self, account: &str, account_id: i64) -> Result<(), Error> {
        let statement = self.inner.table.set_account_id.clone();
        self.accounts("set_account_id", &statement, &[&account, &account_id])
            .await
            .map(|_| ())
    }

    /// Deletes `account`'s pair; whether there was one.
    pub async fn delete_pair(&self, account: &str) -> Result<bool, Error> {
        let statement = self.inner.table.delete.clone();
        let deleted = self.accounts("delete", &statement, &[&account]).await?;
        Ok(!deleted.is_empty())
    }

    /// The accounts whose pairs are recorded for amoCRM account `account_id`.
    pub async fn accounts_of(&self, account_id: i64) -> Result<Vec<String>, Error> {
        let statement = self.inner.table.accounts_of_id.clone();
        self.accounts("accounts_of_id", &statement, &[&account_id])
            .await
    }

    /// The accounts with a stored pair but no recorded account id (saved before ids were
    /// recorded, or past an install), in order.
    pub async fn accounts_without_id(&self) -> Result<Vec<String>, Error> {
        let statement = self.inner.table.accounts_without_id.clone();
        self.accounts("accounts_without_id", &statement, &[]).await
    }

    /// Deletes the pairs recorded for amoCRM account `account_id`; their accounts.
    pub async fn delete_pairs_of(&self, account_id: i64) -> Result<Vec<String>, Error> {
        let statement = self.inner.table.delete_account_id.clone();
        self.accounts("delete_account_id", &statement, &[&account_id])
            .await
    }

    /// Runs `statement` (an UPDATE returning accounts, or none), migrating once when the
    /// table or its account_id column is missing: no table means nothing stored.
    async fn accounts(
        &self,
        what: &'static str,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<String>, Error> {
        let mut migrated = false;
        loop {
            let mut conn = self.connection().await?;
            let run = async {
                conn.query(statement, params)
                    .await
                    .map_err(|e| Error::query(what, e))
            };
            match self.bounded(what, run).await {
                Ok(rows) => {
                    return rows
                        .iter()
                        .map(|row| {
                            row.try_get::<_, String>(0)
                                .map_err(|_| Error::Corrupt("account is not text"))
                        })
                        .collect();
                }
                Err(e @ Error::Timeout { .. }) => {
                    drop(Object::take(conn));
                    return Err(e);
                }
                Err(e) if e.is_missing_table() => return Ok(Vec::new()),
                Err(e) if e.is_undefined_column() && !migrated => {
                    migrated = true;
                    self.bounded("migrate", self.inner.table.migrate(&mut conn))
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
