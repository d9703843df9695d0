//! The CRM's leads (issue 21): streaming 100,000 leads of 10 custom field values each with
//! the ergonomic client against hand-written reqwest + serde loops over the same pages
//! ([`throughput`]), peak heap streaming 100,000 vs 10,000 leads ([`memory`]), and decoding
//! one 250-lead page against `serde_json::Value` ([`decode`]). The fake serves the leads
//! from a child process ([`crate::fake::FakeProcess::start_leads`]).

pub mod decode;
pub mod digest;
pub mod hand;
pub mod memory;
pub mod throughput;

use amocrm::AccountUrl;
use futures::StreamExt;

use digest::Tally;

/// Leads streamed per run: 400 pages of 250.
pub const LEADS: usize = 100_000;
/// Page size.
pub const LIMIT: u32 = 250;

/// The implementations compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// `client.leads().list().limit(250).stream()`, `.rate_limit(None)`.
    Ergonomic,
    /// reqwest + serde_json into the hand-written [`hand::Page`].
    HandStruct,
    /// reqwest + serde_json into `amocrm_raw::types::LeadList`.
    RawTypes,
}

impl Impl {
    /// All, in a fixed order.
    pub const ALL: [Impl; 3] = [Impl::Ergonomic, Impl::HandStruct, Impl::RawTypes];

    /// Name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Ergonomic => "ergonomic `leads().list().limit(250).stream()`",
            Impl::HandStruct => "baseline: reqwest + hand-written struct",
            Impl::RawTypes => "baseline: reqwest + `amocrm_raw::types::LeadList`",
        }
    }

    /// Streams `max` leads (or all there are) from the fake at `base_url`.
    pub async fn run(self, base_url: &str, token: &str, max: usize) -> Result<Tally, String> {
        match self {
            Impl::Ergonomic => ergonomic(base_url, token, max).await,
            Impl::HandStruct => baseline::<hand::Page>(base_url, token, max).await,
            Impl::RawTypes => baseline::<amocrm_raw::types::LeadList>(base_url, token, max).await,
        }
    }
}

impl std::str::FromStr for Impl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ergonomic" => Ok(Impl::Ergonomic),
            "hand" => Ok(Impl::HandStruct),
            "raw" => Ok(Impl::RawTypes),
            other => Err(format!("{other:?}: expected ergonomic, hand or raw")),
        }
    }
}

/// The ergonomic client, as the README uses it, with the limiter off.
pub async fn ergonomic(base_url: &str, token: &str, max: usize) -> Result<Tally, String> {
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token(token)
        .rate_limit(None)
        .build()
        .map_err(|e| e.to_string())?;
    let mut leads = client.leads().list().limit(LIMIT).stream().take(max);
    let mut tally = Tally::default();
    while let Some(lead) = leads.next().await {
        let lead = lead.map_err(|e| e.to_string())?;
        tally.add(digest::raw(&lead));
    }
    tally.pages = tally.leads.div_ceil(LIMIT as usize);
    Ok(tally)
}

/// A page type the baseline loop can read.
pub trait BaselinePage: serde::de::DeserializeOwned {
    /// Whether `_links.next` is present.
    fn has_next(&self) -> bool;
    /// Feeds every lead to the tally (by value, as a stream hands them out).
    fn tally(self, tally: &mut Tally, max: usize);
}

impl BaselinePage for hand::Page {
    fn has_next(&self) -> bool {
        self.links.next.is_some()
    }

    fn tally(self, tally: &mut Tally, max: usize) {
        for lead in self.embedded.leads {
            if tally.leads >= max {
                break;
            }
            tally.add(digest::hand(&lead));
        }
    }
}

impl BaselinePage for amocrm_raw::types::LeadList {
    fn has_next(&self) -> bool {
        self.links
            .as_ref()
            .and_then(|l| l.0.as_ref())
            .is_some_and(|l| l.next.is_some())
    }

    fn tally(self, tally: &mut Tally, max: usize) {
        let leads = self.embedded.0.map(|e| e.leads).unwrap_or_default();
        for lead in leads {
            if tally.leads >= max {
                break;
            }
            tally.add(digest::raw(&lead));
        }
    }
}

/// The hand-written loop: GET page after page while `_links.next` is there.
pub async fn baseline<P: BaselinePage>(
    base_url: &str,
    token: &str,
    max: usize,
) -> Result<Tally, String> {
    let http = reqwest::Client::new();
    let url = format!("{base_url}/api/v4/leads");
    let mut tally = Tally::default();
    let mut page = 1u32;
    while tally.leads < max {
        let response = http
            .get(&url)
            .query(&[("limit", LIMIT), ("page", page)])
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            break;
        }
        let response = response.error_for_status().map_err(|e| e.to_string())?;
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let list: P = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        tally.pages += 1;
        let next = list.has_next();
        list.tally(&mut tally, max);
        if !next {
            break;
        }
        page += 1;
    }
    Ok(tally)
}
