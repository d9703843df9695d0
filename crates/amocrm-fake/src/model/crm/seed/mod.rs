//! A generated account: deterministic from a seed, its size set by [`CrmSize`] — users,
//! custom fields of every type, catalogs, companies, contacts, leads (each with its custom
//! field values, tags, contacts, company and catalog elements), tasks, notes and events.

mod activity;
mod dictionaries;
mod fields;
mod ids;
mod names;

pub(crate) use ids::Ids;

use crate::model::crm::Crm;
use crate::model::crm::fields::{FieldOwner, Fields};
use crate::model::crm::records::{Element, ElementLink, Kind, Lead, Party, User};
use crate::model::crm::table::Table;
use crate::model::crm::values::FieldValues;
use crate::model::pipelines::Pipeline;
use crate::model::rng::{SplitMix64, mix};

use names::{COMPANY_FORMS, COMPANY_WORDS, FIRST_NAMES, LAST_NAMES, LEAD_SUBJECTS};

/// The start of the generated history (2023-01-01 UTC): entities are created over the two
/// years after it.
pub(crate) const T0: i64 = 1_672_531_200;
const DAY: i64 = 86_400;
const SPAN: i64 = 730 * DAY;

/// Most leads, contacts, companies, tasks, notes or events one account is generated with.
pub const MAX_CRM_ENTITIES: usize = 1_000_000;

/// The size of each account's generated CRM ([`FakeBuilder::crm`](crate::FakeBuilder::crm),
/// [`AccountSpec::crm`](crate::AccountSpec::crm)). The defaults are small, so that a test
/// starts in a millisecond; the same seed gives the same account.
///
/// ```
/// let size = amocrm_fake::CrmSize::default().leads(10_000).contacts(20_000).seed(7);
/// assert_eq!(size.lead_count(), 10_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmSize {
    leads: usize,
    contacts: usize,
    companies: usize,
    users: usize,
    tasks: usize,
    notes: usize,
    events: usize,
    catalog_elements: usize,
    fields_per_lead: usize,
    seed: u64,
}

impl Default for CrmSize {
    fn default() -> Self {
        CrmSize {
            leads: 50,
            contacts: 60,
            companies: 20,
            users: 5,
            tasks: 40,
            notes: 60,
            events: 100,
            catalog_elements: 12,
            fields_per_lead: 10,
            seed: 1,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $max:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, n: usize) -> Self {
            self.$name = n.min($max);
            self
        }
    )*};
}

impl CrmSize {
    setters! {
        /// Leads (default 50; at most [`MAX_CRM_ENTITIES`]); one in fifty is in the trash.
        leads: MAX_CRM_ENTITIES;
        /// Contacts (default 60).
        contacts: MAX_CRM_ENTITIES;
        /// Companies (default 20).
        companies: MAX_CRM_ENTITIES;
        /// Users (default 5, at least 1, at most 500); the first is the administrator.
        users: 500;
        /// Tasks (default 40).
        tasks: MAX_CRM_ENTITIES;
        /// Notes of leads, contacts and companies (default 60).
        notes: MAX_CRM_ENTITIES;
        /// Events of the seeded history (default 100); changes add more.
        events: MAX_CRM_ENTITIES;
        /// Elements of each catalog (default 12, at most 100 000).
        catalog_elements: 100_000;
        /// Custom fields each lead has a value for (default 10, at most the 20 lead fields).
        fields_per_lead: 20;
    }

    /// The seed (default 1): the same seed, the same account.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of leads.
    pub fn lead_count(&self) -> usize {
        self.leads
    }
}

/// Whether the `n`th lead, contact or company is in the trash.
fn trashed(n: usize) -> bool {
    n % 50 == 49
}

/// The account with index `account` (its ids' block), id `account_id` and `pipelines`.
pub(crate) fn generate(
    size: &CrmSize,
    account: i64,
    account_id: i64,
    pipelines: &[Pipeline],
    real_world: bool,
) -> Crm {
    let ids = Ids { account };
    let mut rng = SplitMix64(mix(size.seed ^ mix(account as u64 + 1)));
    let users = dictionaries::users(&ids, size.users, &mut rng);
    let stages: Vec<(i64, i64)> = pipelines
        .iter()
        .flat_map(|p| p.statuses.iter().map(move |s| (s.id, p.id)))
        .collect();
    let mut catalogs = dictionaries::catalogs(&ids, users[0].id);
    let products = catalogs[0].id;
    let owner = |o| fields::owner_fields(&ids, o, &stages, products, real_world);
    let fields = [
        owner(FieldOwner::Leads),
        owner(FieldOwner::Contacts),
        owner(FieldOwner::Companies),
        owner(FieldOwner::Customers),
    ];
    let catalog_fields: Vec<(i64, Fields)> = catalogs
        .iter()
        .map(|c| (c.id, owner(FieldOwner::Catalog(c.id))))
        .collect();
    for (position, catalog) in catalogs.iter_mut().enumerate() {
        let defs = &catalog_fields[position].1;
        catalog.elements = (0..size.catalog_elements)
            .map(|n| {
                let name = match catalog.kind {
                    "products" => format!("Товар {}", n + 1),
                    "invoices" => format!("Счёт №{}", n + 1),
                    _ => format!("Запись {}", n + 1),
                };
                let created_at = T0 + n as i64 * 3_600;
                let fields = field_values(
                    defs,
                    defs.defs.len(),
                    n,
                    &mut rng,
                    &name,
                    ids.element(0, n % size.catalog_elements.max(1)),
                );
                Element {
                    id: ids.element(position, n),
                    name,
                    created_by: users[0].id,
                    updated_by: users[0].id,
                    created_at,
                    updated_at: created_at + DAY,
                    fields,
                }
            })
            .collect();
    }
    let tags = Kind::ALL.map(|kind| dictionaries::tags(&ids, kind, real_world));
    let live = |count: usize, id: fn(Ids, usize) -> i64| {
        (0..count)
            .filter(|n| !trashed(*n))
            .map(|n| id(ids, n))
            .collect::<Vec<i64>>()
    };
    let live_companies = live(size.companies, Ids::company);
    let live_contacts = live(size.contacts, Ids::contact);
    let stamp = |rng: &mut SplitMix64, n: usize, count: usize| {
        let created = T0 + (n as i64 * SPAN) / count.max(1) as i64;
        (created, created + rng.range(0, 60 * DAY))
    };
    let companies: Vec<Party> = (0..size.companies)
        .map(|n| {
            let name = format!(
                "{} «{}-{}»",
                rng.pick(COMPANY_FORMS),
                COMPANY_WORDS[n % COMPANY_WORDS.len()],
                n + 1
            );
            let (created_at, updated_at) = stamp(&mut rng, n, size.companies);
            let count = if n % 4 == 3 {
                0
            } else {
                2 + rng.below(4) as usize
            };
            party(
                &users,
                &mut rng,
                ids.company(n),
                name,
                None,
                (created_at, updated_at),
                &fields[2],
                count,
                n,
            )
        })
        .collect();
    let contacts: Vec<Party> = (0..size.contacts)
        .map(|n| {
            let (first, last) = (
                FIRST_NAMES[n % FIRST_NAMES.len()],
                LAST_NAMES[(n / FIRST_NAMES.len() + n) % LAST_NAMES.len()],
            );
            let bare = real_world && n % 10 == 9;
            let names = if bare {
                (String::new(), String::new())
            } else {
                (first.to_owned(), last.to_owned())
            };
            let name = if bare {
                format!("{}", n + 1)
            } else {
                format!("{first} {last}")
            };
            let (created_at, updated_at) = stamp(&mut rng, n, size.contacts);
            let count = if n % 6 == 5 {
                0
            } else {
                2 + rng.below(3) as usize
            };
            let mut contact = party(
                &users,
                &mut rng,
                ids.contact(n),
                name,
                Some(names),
                (created_at, updated_at),
                &fields[1],
                count,
                n,
            );
            if !live_companies.is_empty() && rng.chance(70) {
                contact.links.push(*rng.pick(&live_companies));
            }
            contact
        })
        .collect();
    let elements: Vec<i64> = catalogs[0].elements.iter().map(|e| e.id).collect();
    let price_id = catalog_fields[0]
        .1
        .position_of_code("PRICE")
        .map(|p| catalog_fields[0].1.defs[p].id);
    let company_of = |contact: i64| {
        contacts
            .get(usize::try_from(contact - ids.contact(0)).ok()?)?
            .links
            .first()
            .copied()
    };
    let leads: Vec<Lead> = (0..size.leads)
        .map(|n| {
            let (status_id, pipeline_id) = *rng.pick(&stages);
            let user = rng.pick(&users);
            let (created_at, updated_at) = stamp(&mut rng, n, size.leads);
            let closed = matches!(status_id, 142 | 143);
            let mut lead_contacts = Vec::new();
            if !live_contacts.is_empty() && rng.chance(85) {
                lead_contacts.push(*rng.pick(&live_contacts));
                if rng.chance(30) {
                    let other = *rng.pick(&live_contacts);
                    if other != lead_contacts[0] {
                        lead_contacts.push(other);
                    }
                }
            }
            let company = lead_contacts
                .first()
                .and_then(|c| company_of(*c))
                .or_else(|| {
                    (!live_companies.is_empty() && rng.chance(30))
                        .then(|| *rng.pick(&live_companies))
                });
            let element = if elements.is_empty() {
                0
            } else {
                *rng.pick(&elements)
            };
            let linked = (element != 0 && rng.chance(20)).then(|| ElementLink {
                element_id: element,
                catalog_id: products,
                quantity: if rng.chance(25) {
                    1.5
                } else {
                    rng.range(1, 5) as f64
                },
                price_id,
            });
            let name = format!("{} #{}", LEAD_SUBJECTS[n % LEAD_SUBJECTS.len()], n + 1);
            let count = if real_world && n % 13 == 12 {
                0
            } else {
                size.fields_per_lead
            };
            let fields = field_values(&fields[0], count, n * 7, &mut rng, &name, element);
            Lead {
                id: ids.lead(n),
                name,
                price: if rng.chance(10) {
                    0
                } else {
                    rng.range(1, 10_000) * 100
                },
                responsible_user_id: user.id,
                group_id: user.group_id.unwrap_or(0),
                status_id,
                pipeline_id,
                loss_reason_id: (status_id == 143 && rng.chance(80))
                    .then(|| ids.loss_reason(rng.below(5) as usize)),
                source_id: rng.chance(30).then(|| ids.source(rng.below(3) as usize)),
                created_by: if rng.chance(10) { 0 } else { user.id },
                updated_by: user.id,
                created_at,
                updated_at,
                closed_at: closed.then_some(updated_at),
                closest_task_at: (!closed && rng.chance(30))
                    .then(|| updated_at + rng.range(1, 14) * DAY),
                score: None,
                labor_cost: None,
                price_by_robot: rng.chance(5),
                fields,
                tags: pick_tags(&mut rng, tags[0].len(), 3),
                company,
                contacts: lead_contacts,
                elements: linked.into_iter().collect(),
            }
        })
        .collect();
    let (leads, trashed_leads) = split(leads, |l| l.id - ids.lead(0));
    let (mut contacts, trashed_contacts) = split(contacts, |c| c.id - ids.contact(0));
    let (mut companies, trashed_companies) = split(companies, |c| c.id - ids.company(0));
    link_back(&leads, &mut contacts, &mut companies);
    let mut crm = Crm {
        account_id,
        ids,
        real_world,
        users,
        roles: dictionaries::roles(&ids),
        groups: dictionaries::groups(&ids),
        fields,
        catalog_fields,
        tags,
        loss_reasons: dictionaries::loss_reasons(&ids),
        sources: dictionaries::sources(&ids),
        catalogs,
        stages,
        leads: Table::new(leads),
        contacts: Table::new(contacts),
        companies: Table::new(companies),
        trash: (
            Table::new(trashed_leads),
            Table::new(trashed_contacts),
            Table::new(trashed_companies),
        ),
        tasks: Vec::new(),
        notes: Vec::new(),
        events: Vec::new(),
        last_field_id: 0,
        rng,
    };
    activity::tasks(&mut crm, size.tasks);
    activity::notes(&mut crm, size.notes);
    activity::events(&mut crm, size.events);
    crm
}

/// A contact (`names` given) or a company with `count` of its fields filled.
#[allow(clippy::too_many_arguments)]
fn party(
    users: &[User],
    rng: &mut SplitMix64,
    id: i64,
    name: String,
    names: Option<(String, String)>,
    (created_at, updated_at): (i64, i64),
    fields: &Fields,
    count: usize,
    n: usize,
) -> Party {
    let user = rng.pick(users);
    let values = field_values(fields, count, 0, rng, &name, 0);
    Party {
        id,
        name,
        first_last: names,
        responsible_user_id: user.id,
        group_id: user.group_id.unwrap_or(0),
        created_by: user.id,
        updated_by: user.id,
        created_at,
        updated_at,
        closest_task_at: n.is_multiple_of(5).then(|| updated_at + 3 * DAY),
        fields: values,
        tags: pick_tags(rng, if fields.defs.len() > 8 { 10 } else { 6 }, 2),
        links: Vec::new(),
        leads: Vec::new(),
        elements: Vec::new(),
    }
}

/// Values for `count` of the fields, consecutive from `start` (so that every type appears
/// across entities).
fn field_values(
    fields: &Fields,
    count: usize,
    start: usize,
    rng: &mut SplitMix64,
    name: &str,
    element: i64,
) -> Vec<FieldValues> {
    let total = fields.defs.len();
    let mut chosen: Vec<usize> = (0..count.min(total)).map(|k| (start + k) % total).collect();
    chosen.sort_unstable();
    chosen
        .into_iter()
        .filter_map(|at| {
            let values = fields::values_for(&fields.defs[at], rng, name, element, start + at);
            (!values.is_empty()).then_some(FieldValues {
                field: at as u16,
                values,
            })
        })
        .collect()
}

fn pick_tags(rng: &mut SplitMix64, dictionary: usize, most: u64) -> Vec<u32> {
    let count = rng.below(most + 1);
    let mut tags: Vec<u32> = (0..count)
        .map(|_| rng.below(dictionary as u64) as u32)
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags
}

/// The live rows and the trashed ones (by their position, `position(row)`).
fn split<T>(rows: Vec<T>, position: impl Fn(&T) -> i64) -> (Vec<T>, Vec<T>) {
    rows.into_iter()
        .partition(|row| !trashed(position(row) as usize))
}

/// Each contact's and company's leads, each company's contacts.
fn link_back(leads: &[Lead], contacts: &mut [Party], companies: &mut [Party]) {
    let at = |table: &[Party], id: i64| table.binary_search_by_key(&id, |p| p.id).ok();
    for lead in leads {
        for contact in &lead.contacts {
            if let Some(i) = at(contacts, *contact) {
                contacts[i].leads.push(lead.id);
            }
        }
        if let Some(i) = lead.company.and_then(|c| at(companies, c)) {
            companies[i].leads.push(lead.id);
        }
    }
    for contact in contacts.iter() {
        if let Some(i) = contact.links.first().and_then(|c| at(companies, *c)) {
            companies[i].links.push(contact.id);
        }
    }
}
