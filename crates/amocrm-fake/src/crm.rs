//! [`FakeCrm`]: a running account's CRM as a test drives it — change leads, contacts and
//! companies while a client pages (one at a time, a seeded sample, or in the background),
//! and read every entity's latest `updated_at` at the end.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::model::clock::FakeClock;
use crate::model::crm::changes::{CrmEntity, LeadChange, Stamp};
use crate::model::tenant::Tenant;
use crate::model::{read, write};

/// One account's CRM ([`FakeAccount::crm`](crate::FakeAccount::crm),
/// [`FakeServer::crm`](crate::FakeServer::crm)). Every change is stamped with the server's
/// clock ([`FakeServer::clock`](crate::FakeServer::clock)), records its event and is seen
/// by the next request. Cheap to clone.
#[derive(Clone)]
pub struct FakeCrm {
    tenant: Arc<Tenant>,
}

impl fmt::Debug for FakeCrm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeCrm")
            .field("account", &self.tenant.name)
            .finish_non_exhaustive()
    }
}

impl FakeCrm {
    pub(crate) fn new(tenant: Arc<Tenant>) -> Self {
        FakeCrm { tenant }
    }

    /// The clock changes are stamped with.
    pub fn clock(&self) -> &FakeClock {
        &self.tenant.clock
    }

    /// Applies one seeded, realistic change to each of `ids` (a lead moves on a stage or
    /// changes its budget, a numeric field or its responsible user; a contact or company
    /// is renamed, reassigned or gets a new phone), stamped now; returns the ids changed
    /// (those of live entities).
    pub fn touch(&self, entity: CrmEntity, ids: &[i64]) -> Vec<i64> {
        let now = self.tenant.clock.now();
        let changed = write(&self.tenant.crm).touch(entity, ids, now);
        self.tenant.changed.notify_one();
        changed
    }

    /// [`FakeCrm::touch`] of leads.
    pub fn touch_leads(&self, ids: &[i64]) -> Vec<i64> {
        self.touch(CrmEntity::Leads, ids)
    }

    /// Changes `count` distinct entities chosen at random (seeded: the same run, the same
    /// choice), as [`FakeCrm::touch`]; returns their ids.
    pub fn touch_random(&self, entity: CrmEntity, count: usize) -> Vec<i64> {
        let now = self.tenant.clock.now();
        let changed = write(&self.tenant.crm).touch_random(entity, count, now);
        self.tenant.changed.notify_one();
        changed
    }

    /// Applies `change` to lead `id`, stamped now; false when there is no such lead.
    pub fn update_lead(&self, id: i64, change: &LeadChange) -> bool {
        let now = self.tenant.clock.now();
        let mut crm = write(&self.tenant.crm);
        let by = crm.users[0].id;
        let changed = crm.update_lead(id, change, now, by);
        drop(crm);
        self.tenant.changed.notify_one();
        changed
    }

    /// Moves an entity to the trash (`with=only_deleted` lists it); false when there is
    /// no such live entity.
    pub fn delete(&self, entity: CrmEntity, id: i64) -> bool {
        let now = self.tenant.clock.now();
        let deleted = write(&self.tenant.crm).delete(entity, id, now);
        self.tenant.changed.notify_one();
        deleted
    }

    /// Every live entity's id and latest `updated_at`, by id.
    pub fn snapshot(&self, entity: CrmEntity) -> Vec<Stamp> {
        read(&self.tenant.crm).snapshot(entity)
    }

    /// [`FakeCrm::snapshot`] of leads.
    pub fn leads_snapshot(&self) -> Vec<Stamp> {
        self.snapshot(CrmEntity::Leads)
    }

    /// The ids of the live entities, ascending.
    pub fn ids(&self, entity: CrmEntity) -> Vec<i64> {
        self.snapshot(entity).into_iter().map(|s| s.id).collect()
    }

    /// The live entities' ids and names, ascending by id (what a test wrote).
    pub fn names(&self, entity: CrmEntity) -> Vec<(i64, String)> {
        let crm = read(&self.tenant.crm);
        match entity {
            CrmEntity::Leads => crm
                .leads
                .rows()
                .iter()
                .map(|l| (l.id, l.name.clone()))
                .collect(),
            CrmEntity::Contacts => crm
                .contacts
                .rows()
                .iter()
                .map(|c| (c.id, c.name.clone()))
                .collect(),
            CrmEntity::Companies => crm
                .companies
                .rows()
                .iter()
                .map(|c| (c.id, c.name.clone()))
                .collect(),
        }
    }

    /// The number of events in the account's feed.
    pub fn event_count(&self) -> usize {
        read(&self.tenant.crm).events.len()
    }

    /// Changes `per_tick` random entities every `every` in the background (on the current
    /// tokio runtime) until the returned [`Mutator`] is stopped or dropped.
    pub fn spawn_mutator(&self, entity: CrmEntity, per_tick: usize, every: Duration) -> Mutator {
        let crm = self.clone();
        let every = every.max(Duration::from_millis(1));
        let task = tokio::spawn(async move {
            let mut changed = 0usize;
            loop {
                tokio::time::sleep(every).await;
                changed += crm.touch_random(entity, per_tick).len();
                let _ = changed;
            }
        });
        Mutator { task: Some(task) }
    }
}

/// A background mutator ([`FakeCrm::spawn_mutator`]); dropping it stops it.
#[derive(Debug)]
pub struct Mutator {
    task: Option<JoinHandle<()>>,
}

impl Mutator {
    /// Stops changing entities.
    pub fn stop(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Mutator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
