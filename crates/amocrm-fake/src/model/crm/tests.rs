//! The generated account: sizes, links both ways, every field type, determinism.

use super::changes::CrmEntity;
use super::fields::FieldType;
use super::records::Kind;
use super::seed::{CrmSize, generate};
use crate::model::pipelines;

fn crm(size: &CrmSize, real_world: bool) -> super::Crm {
    generate(size, 0, 42, &pipelines::seed(0, 42, 3), real_world)
}

#[test]
fn sizes_trash_and_links() {
    let size = CrmSize::default().leads(500).contacts(300).companies(100);
    let crm = crm(&size, false);
    assert_eq!(crm.leads.len() + crm.trash.0.len(), 500);
    assert_eq!(crm.trash.0.len(), 10);
    assert_eq!(crm.contacts.len() + crm.trash.1.len(), 300);
    assert_eq!(crm.companies.len() + crm.trash.2.len(), 100);
    for lead in crm.leads.rows() {
        assert_eq!(lead.fields.len(), 10, "lead {}", lead.id);
        for contact in &lead.contacts {
            assert!(
                crm.contacts
                    .get(*contact)
                    .is_some_and(|c| c.leads.contains(&lead.id))
            );
        }
        if let Some(company) = lead.company {
            assert!(
                crm.companies
                    .get(company)
                    .is_some_and(|c| c.leads.contains(&lead.id))
            );
        }
        assert!(crm.stages.contains(&(lead.status_id, lead.pipeline_id)));
        assert!(lead.updated_at >= lead.created_at);
    }
    // Ids grow with creation time, so created_at orders as id.
    let rows = crm.leads.rows();
    assert!(
        rows.windows(2)
            .all(|w| w[0].id < w[1].id && w[0].created_at <= w[1].created_at)
    );
    for company in crm.companies.rows() {
        for contact in &company.links {
            assert_eq!(
                crm.contacts.get(*contact).map(|c| c.links.clone()),
                Some(vec![company.id])
            );
        }
    }
    assert!(crm.leads.rows().iter().any(|l| l.contacts.len() == 2));
    assert!(crm.leads.rows().iter().any(|l| !l.elements.is_empty()));
    assert_eq!(crm.tasks.len(), 40);
    assert!(crm.notes.len() > 50 && crm.events.len() == 100);
}

#[test]
fn every_documented_lead_field_type_has_values() {
    let crm = crm(&CrmSize::default().leads(100), false);
    let defs = &crm.fields[Kind::Leads.index()].defs;
    assert_eq!(defs.len(), 20);
    for (at, def) in defs.iter().enumerate() {
        let filled = crm
            .leads
            .rows()
            .iter()
            .any(|l| l.fields.iter().any(|f| usize::from(f.field) == at));
        assert!(filled, "{}", def.kind.as_str());
    }
    let real = crm_real();
    assert!(
        real.fields[0]
            .defs
            .iter()
            .any(|d| matches!(d.kind, FieldType::Unknown(_)))
    );
    assert!(real.leads.rows().iter().any(|l| l.fields.is_empty()));
}

fn crm_real() -> super::Crm {
    crm(&CrmSize::default().leads(100), true)
}

#[test]
fn the_same_seed_gives_the_same_account() {
    let size = CrmSize::default().leads(200).seed(9);
    let (a, b) = (crm(&size, false), crm(&size, false));
    assert_eq!(a.leads.rows(), b.leads.rows());
    assert_eq!(a.notes, b.notes);
    let other = crm(&size.clone().seed(10), false);
    assert_ne!(a.leads.rows(), other.leads.rows());
}

#[test]
fn touches_bump_updated_at_and_record_events() {
    let mut crm = crm(&CrmSize::default().leads(100).contacts(50), false);
    let events = crm.events.len();
    let ids: Vec<i64> = crm.leads.rows().iter().take(30).map(|l| l.id).collect();
    let changed = crm.touch(CrmEntity::Leads, &ids, 2_000_000_000);
    assert_eq!(changed, ids);
    assert!(crm.events.len() >= events + 30);
    assert!(
        ids.iter()
            .all(|id| crm.leads.get(*id).unwrap().updated_at == 2_000_000_000)
    );
    let snapshot = crm.snapshot(CrmEntity::Leads);
    assert_eq!(snapshot.len(), crm.leads.len());
    assert_eq!(
        snapshot
            .iter()
            .filter(|s| s.updated_at == 2_000_000_000)
            .count(),
        30
    );
    let contacts = crm.touch_random(CrmEntity::Contacts, 10, 2_000_000_001);
    assert_eq!(contacts.len(), 10);
    assert!(crm.touch(CrmEntity::Companies, &[1], 5).is_empty());
    let gone = ids[0];
    assert!(crm.delete(CrmEntity::Leads, gone, 2_000_000_002));
    assert!(crm.leads.get(gone).is_none() && crm.trash.0.get(gone).is_some());
    assert_eq!(
        crm.events.last().map(|e| e.kind.as_str()),
        Some("lead_deleted")
    );
    assert!(!crm.delete(CrmEntity::Leads, gone, 1));
}
