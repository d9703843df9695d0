//! Ids of one account's records: each kind in its own range, each account in its own
//! block, so that no two accounts share an id and a lead's id is never a contact's.

use crate::model::crm::fields::FieldOwner;
use crate::model::crm::records::Kind;

/// Ids of one account's records: each kind in its own range, each account in its own block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ids {
    pub account: i64,
}

impl Ids {
    fn block(self) -> i64 {
        self.account * 100_000_000
    }
    pub fn lead(self, n: usize) -> i64 {
        self.block() + 10_000_001 + n as i64
    }
    pub fn contact(self, n: usize) -> i64 {
        self.block() + 20_000_001 + n as i64
    }
    pub fn company(self, n: usize) -> i64 {
        self.block() + 30_000_001 + n as i64
    }
    pub fn task(self, n: usize) -> i64 {
        self.block() + 40_000_001 + n as i64
    }
    pub fn note(self, n: usize) -> i64 {
        self.block() + 50_000_001 + n as i64
    }
    pub fn element(self, catalog: usize, n: usize) -> i64 {
        self.block() + 60_000_001 + catalog as i64 * 1_000_000 + n as i64
    }
    pub fn user(self, n: usize) -> i64 {
        8_000_001 + self.account * 1_000 + n as i64
    }
    pub fn role(self, n: usize) -> i64 {
        3_000 + self.account * 10 + n as i64
    }
    pub fn group(self, n: usize) -> i64 {
        260_000 + self.account * 10 + n as i64
    }
    pub fn tag(self, kind: Kind, n: usize) -> i64 {
        100_000 + self.account * 1_000 + kind.index() as i64 * 100 + n as i64
    }
    pub fn field(self, owner: FieldOwner, n: usize) -> i64 {
        let slot = match owner {
            FieldOwner::Leads => 0,
            FieldOwner::Contacts => 1,
            FieldOwner::Companies => 2,
            FieldOwner::Customers => 3,
            FieldOwner::Catalog(id) => 4 + self.catalog_position(id) as i64,
        };
        200_000 + self.account * 10_000 + slot * 1_000 + n as i64
    }
    pub fn loss_reason(self, n: usize) -> i64 {
        4_200_000 + self.account * 100 + n as i64
    }
    pub fn source(self, n: usize) -> i64 {
        1_876_000 + self.account * 10 + n as i64
    }
    pub fn catalog(self, n: usize) -> i64 {
        4_500 + self.account * 10 + n as i64
    }
    pub fn catalog_position(self, id: i64) -> usize {
        usize::try_from(id - self.catalog(0)).unwrap_or(usize::MAX)
    }
}
