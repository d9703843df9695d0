//! An account's webhooks: the subscriptions of `/api/v4/webhooks`, what each destination's
//! deliveries did, and when a destination is switched off ([`WebhookSchedule`]). What a
//! change posts is [`payload`]; the posting itself is `crate::hooks`.

pub(crate) mod payload;

use std::time::{Duration, Instant};

use crate::model::problem::{FieldError, Problem};

/// At most this many webhooks per account, as amoCRM allows.
pub(crate) const MAX_WEBHOOKS: usize = 100;

/// When the fake retries a failed delivery and when it switches a destination off.
/// [`WebhookSchedule::amocrm`] is amoCRM's own (minutes and hours); tests compress it with
/// [`WebhookSchedule::compressed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSchedule {
    /// The waits before attempts 2, 3, … after a failure.
    pub(crate) retries: Vec<Duration>,
    /// How many of the first retries follow any failure; the later ones only a 499 or a 5xx.
    pub(crate) retries_on_any_failure: usize,
    /// More failed attempts than this within `window`, the last one failed too: switched off.
    pub(crate) disable_after: usize,
    pub(crate) window: Duration,
    /// How long a destination has to answer.
    pub(crate) timeout: Duration,
}

impl Default for WebhookSchedule {
    fn default() -> Self {
        Self::amocrm()
    }
}

impl WebhookSchedule {
    /// amoCRM's schedule: a failed delivery (an answer outside 100–299, or none within
    /// 2 s) is tried again after 5 and 15 minutes, then after 15 minutes and an hour when
    /// the last answer was a 499 or a 5xx; more than 100 failures in 2 hours, the latest
    /// one included, switch the destination off.
    pub fn amocrm() -> Self {
        WebhookSchedule {
            retries: vec![
                Duration::from_secs(300),
                Duration::from_secs(900),
                Duration::from_secs(900),
                Duration::from_secs(3600),
            ],
            retries_on_any_failure: 2,
            disable_after: 100,
            window: Duration::from_secs(7200),
            timeout: Duration::from_secs(2),
        }
    }

    /// amoCRM's schedule with every wait and the window divided by `factor` (at least 1):
    /// `compressed(3000)` retries after 100 ms and 300 ms. The 2 s answer time is kept.
    pub fn compressed(factor: u32) -> Self {
        let factor = factor.max(1);
        let mut schedule = Self::amocrm();
        for wait in &mut schedule.retries {
            *wait /= factor;
        }
        schedule.window /= factor;
        schedule
    }

    /// Switches a destination off after more than `failures` failed attempts in the window
    /// (amoCRM: 100).
    pub fn disable_after(mut self, failures: usize) -> Self {
        self.disable_after = failures;
        self
    }

    /// The window failures are counted in (amoCRM: 2 hours).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How long a destination has to answer (amoCRM: 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed with
    /// `status` (`None`: no answer), or `None` when amoCRM gives up.
    pub(crate) fn retry_after(&self, attempt: usize, status: Option<u16>) -> Option<Duration> {
        let wait = *self.retries.get(attempt.checked_sub(1)?)?;
        let server_side = matches!(status, Some(499..=599));
        (attempt <= self.retries_on_any_failure || server_side).then_some(wait)
    }
}

/// One webhook of the account.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: i64,
    pub destination: String,
    pub settings: Vec<String>,
    pub sort: i64,
    pub disabled: bool,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When its recent attempts failed (within the schedule's window).
    failures: Vec<Instant>,
}

/// One attempt to deliver, as the fake made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// The destination posted to.
    pub destination: String,
    /// 1 for the first attempt of a delivery, 2 for its first retry, …
    pub attempt: usize,
    /// The destination's answer; `None` when it did not answer in time.
    pub status: Option<u16>,
    /// The form-encoded body sent.
    pub body: String,
}

/// The account's webhooks and what their deliveries did.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    next_id: i64,
    subscriptions: Vec<Subscription>,
    /// Position in the CRM's event feed up to which changes were posted; `None` before
    /// the first subscription.
    pub cursor: Option<usize>,
    pub attempts: Vec<WebhookAttempt>,
    /// Whether the account's dispatcher runs.
    pub dispatching: bool,
}

impl Webhooks {
    /// The webhooks by `sort` then ID; only `destination`'s when given.
    pub fn list(&self, destination: Option<&str>) -> Vec<Subscription> {
        let mut list: Vec<Subscription> = self
            .subscriptions
            .iter()
            .filter(|s| destination.is_none_or(|d| d == s.destination))
            .cloned()
            .collect();
        list.sort_by_key(|s| (s.sort, s.id));
        list
    }

    /// Subscribes `destination` (replacing its settings when it has a webhook already, and
    /// switching it back on), checked as amoCRM checks it.
    pub fn subscribe(
        &mut self,
        destination: &str,
        settings: Vec<String>,
        sort: Option<i64>,
        (now, by, account_id): (i64, i64, i64),
    ) -> Result<Subscription, Problem> {
        let _ = account_id;
        let url = url::Url::parse(destination).ok();
        if !url.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
            let why = "An absolute http(s) URL.";
            return Err(Problem::validation(vec![FieldError::new(
                "InvalidDestination",
                "destination",
                why,
            )]));
        }
        if settings.is_empty() || settings.iter().any(|s| s.is_empty()) {
            return Err(Problem::validation(vec![FieldError::new(
                "NotBlank",
                "settings",
                "At least one event.",
            )]));
        }
        if let Some(found) = self
            .subscriptions
            .iter_mut()
            .find(|s| s.destination == destination)
        {
            found.settings = settings;
            found.sort = sort.unwrap_or(found.sort);
            found.updated_at = now;
            found.disabled = false;
            found.failures.clear();
            return Ok(found.clone());
        }
        if self.subscriptions.len() >= MAX_WEBHOOKS {
            return Err(Problem::validation(vec![FieldError::new(
                "TooManyWebhooks",
                "destination",
                "An account has at most 100 webhooks.",
            )]));
        }
        self.next_id += 1;
        let subscription = Subscription {
            id: 2040 + self.next_id,
            destination: destination.to_owned(),
            settings,
            sort: sort.unwrap_or(10),
            disabled: false,
            created_by: by,
            created_at: now,
            updated_at: now,
            failures: Vec::new(),
        };
        self.subscriptions.push(subscription.clone());
        Ok(subscription)
    }

    /// Removes `destination`'s webhook; false when there is none.
    pub fn unsubscribe(&mut self, destination: &str) -> bool {
        let before = self.subscriptions.len();
        self.subscriptions.retain(|s| s.destination != destination);
        self.subscriptions.len() != before
    }

    /// The live (not switched off) webhooks subscribed to `code`.
    pub fn destinations_for(&self, code: &str) -> Vec<String> {
        self.subscriptions
            .iter()
            .filter(|s| !s.disabled && s.settings.iter().any(|c| c == code))
            .map(|s| s.destination.clone())
            .collect()
    }

    /// Whether `destination` still has a live webhook.
    pub fn is_live(&self, destination: &str) -> bool {
        self.subscriptions
            .iter()
            .any(|s| s.destination == destination && !s.disabled)
    }

    /// Records an attempt; a failed one counts towards switching the destination off.
    /// True when this attempt switched it off.
    pub fn record(
        &mut self,
        attempt: WebhookAttempt,
        schedule: &WebhookSchedule,
        at: Instant,
    ) -> bool {
        let failed = !matches!(attempt.status, Some(100..=299));
        let mut switched_off = false;
        if let Some(s) = self
            .subscriptions
            .iter_mut()
            .find(|s| s.destination == attempt.destination)
        {
            s.failures
                .retain(|t| at.saturating_duration_since(*t) < schedule.window);
            if failed {
                s.failures.push(at);
                if s.failures.len() > schedule.disable_after && !s.disabled {
                    s.disabled = true;
                    switched_off = true;
                }
            }
        }
        self.attempts.push(attempt);
        switched_off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_retries_follow_server_errors_only() {
        let s = WebhookSchedule::amocrm();
        assert_eq!(s.retry_after(1, Some(404)), Some(Duration::from_secs(300)));
        assert_eq!(s.retry_after(2, None), Some(Duration::from_secs(900)));
        assert_eq!(s.retry_after(3, Some(404)), None);
        assert_eq!(s.retry_after(3, Some(503)), Some(Duration::from_secs(900)));
        assert_eq!(s.retry_after(4, Some(499)), Some(Duration::from_secs(3600)));
        assert_eq!(s.retry_after(5, Some(500)), None);
        let fast = WebhookSchedule::compressed(3000);
        assert_eq!(fast.retry_after(1, None), Some(Duration::from_millis(100)));
    }

    #[test]
    fn a_destination_is_switched_off_after_too_many_failures() {
        let schedule = WebhookSchedule::amocrm().disable_after(2);
        let mut hooks = Webhooks::default();
        let url = "http://127.0.0.1:1/h";
        hooks
            .subscribe(url, vec!["add_lead".into()], None, (1, 2, 3))
            .unwrap();
        let attempt = |status| WebhookAttempt {
            destination: url.into(),
            attempt: 1,
            status,
            body: String::new(),
        };
        let now = Instant::now();
        assert!(!hooks.record(attempt(Some(500)), &schedule, now));
        assert!(!hooks.record(attempt(Some(200)), &schedule, now));
        assert!(!hooks.record(attempt(None), &schedule, now));
        assert!(hooks.is_live(url));
        assert!(hooks.record(attempt(Some(404)), &schedule, now));
        assert!(!hooks.is_live(url));
        assert!(hooks.destinations_for("add_lead").is_empty());
        assert!(hooks.list(Some(url))[0].disabled);
    }
}
