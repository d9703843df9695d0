//! The baseline's types: what someone would write by hand for the list call with serde,
//! holding the same fields as `amocrm::widgets::Widget` / `amocrm::Page` (every field of the
//! response), so the baseline decodes exactly what the ergonomic client decodes.

use serde::Deserialize;

/// One page of `GET /api/v4/widgets`. `R` is the rating's type: [`Rating`] (what one
/// writes by hand, like the generated code: an untagged enum) or [`FastRating`].
#[derive(Debug, Deserialize)]
pub struct Page<R = Rating> {
    /// `_page`.
    #[serde(rename = "_page")]
    pub page: u32,
    /// `_links`.
    #[serde(rename = "_links")]
    pub links: PageLinks,
    /// `_embedded`.
    #[serde(rename = "_embedded")]
    pub embedded: Embedded<R>,
}

/// `_links` of a page.
#[derive(Debug, Deserialize)]
pub struct PageLinks {
    /// `self`.
    #[serde(rename = "self")]
    pub this: Link,
    /// `next`, while there are more pages.
    pub next: Option<Link>,
    /// `prev`.
    pub prev: Option<Link>,
}

/// A HAL link.
#[derive(Debug, Deserialize)]
pub struct Link {
    /// The URL.
    pub href: String,
}

/// `_embedded`.
#[derive(Debug, Deserialize)]
pub struct Embedded<R = Rating> {
    /// The widgets.
    pub widgets: Vec<Widget<R>>,
}

/// A widget, every field.
#[derive(Debug, Deserialize)]
pub struct Widget<R = Rating> {
    /// `id`.
    pub id: i64,
    /// `code`.
    pub code: String,
    /// `version`.
    pub version: String,
    /// `rating`: `"2,8"` or `2.8`.
    pub rating: R,
    /// `settings_template`.
    pub settings_template: Vec<SettingsField>,
    /// `is_lead_source`.
    pub is_lead_source: bool,
    /// `is_work_with_dp`.
    pub is_work_with_dp: bool,
    /// `is_crm_template`.
    pub is_crm_template: bool,
    /// `client_uuid`.
    pub client_uuid: Option<String>,
    /// `is_active_in_account`.
    pub is_active_in_account: bool,
    /// `pipeline_id`.
    pub pipeline_id: Option<i64>,
    /// `settings`.
    #[serde(default)]
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// `_links`.
    #[serde(rename = "_links")]
    pub links: Option<WidgetLinks>,
}

/// `rating`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Rating {
    /// `"2,8"`.
    Text(String),
    /// `2.8`.
    Number(f64),
}

/// `rating` read by a visitor (`deserialize_any`) instead of `#[serde(untagged)]`, which
/// buffers the value and, for a number, builds and drops a `serde_json::Error` for the
/// string variant first: how much a hand-written `Deserialize` for the raw crate's
/// `Rating` would save.
#[derive(Debug)]
pub enum FastRating {
    /// `"2,8"`.
    Text(String),
    /// `2.8`.
    Number(f64),
}

impl<'de> Deserialize<'de> for FastRating {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = FastRating;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a rating: a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FastRating, E> {
                Ok(FastRating::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<FastRating, E> {
                Ok(FastRating::Text(v))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<FastRating, E> {
                Ok(FastRating::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FastRating, E> {
                Ok(FastRating::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FastRating, E> {
                Ok(FastRating::Number(v as f64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One `settings_template` entry.
#[derive(Debug, Deserialize)]
pub struct SettingsField {
    /// `key`.
    pub key: String,
    /// `name`.
    pub name: String,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `is_required`.
    pub is_required: bool,
}

/// `_links` of a widget.
#[derive(Debug, Deserialize)]
pub struct WidgetLinks {
    /// `self`.
    #[serde(rename = "self")]
    pub this: Link,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"_page":1,"_links":{"self":{"href":"http://h/api/v4/widgets?limit=2&page=1"},
        "next":{"href":"http://h/api/v4/widgets?limit=2&page=2"}},
        "_embedded":{"widgets":[
          {"id":742,"code":"amo_dropbox","version":"0.0.13","rating":"2,8",
           "settings_template":[{"key":"conf","name":"custom","type":"custom","is_required":false}],
           "is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,
           "client_uuid":null,"is_active_in_account":false,"pipeline_id":null,
           "_links":{"self":{"href":"http://h/api/v4/widgets/amo_dropbox"}}},
          {"id":1001,"code":"widget_00001","version":"1.0.1","rating":3.5,
           "settings_template":[],"is_lead_source":true,"is_work_with_dp":true,
           "is_crm_template":false,"client_uuid":"0b9b4b6e-0000-0000-0000-000000000001",
           "is_active_in_account":true,"pipeline_id":5,
           "_links":{"self":{"href":"http://h/api/v4/widgets/widget_00001"}}}]}}"#;

    /// The baseline decodes what the ergonomic client decodes, to the same values.
    #[test]
    fn fast_rating_reads_both_shapes() {
        let page: Page<FastRating> = serde_json::from_str(PAGE).unwrap();
        let ratings: Vec<_> = page.embedded.widgets.iter().map(|w| &w.rating).collect();
        assert!(matches!(ratings[0], FastRating::Text(t) if t == "2,8"));
        assert!(matches!(ratings[1], FastRating::Number(n) if *n == 3.5));
        assert!(serde_json::from_str::<FastRating>("true").is_err());
    }

    #[test]
    fn same_fields_as_the_ergonomic_decoder() {
        let hand: Page = serde_json::from_str(PAGE).unwrap();
        let ergo = amocrm::__bench::widget_page(PAGE.as_bytes()).unwrap();
        assert_eq!(hand.page, ergo.page);
        assert_eq!(hand.links.next.map(|l| l.href), ergo.links.next);
        assert_eq!(Some(hand.links.this.href), ergo.links.this);
        assert_eq!(hand.embedded.widgets.len(), ergo.items.len());
        for (h, e) in hand.embedded.widgets.iter().zip(&ergo.items) {
            assert_eq!(h.id, e.id);
            assert_eq!(h.code, e.code);
            assert_eq!(Some(&h.version), e.version.as_ref());
            assert_eq!(h.settings_template.len(), e.settings_template.len());
            assert_eq!(h.client_uuid, e.client_uuid);
            assert_eq!(h.pipeline_id, e.pipeline_id);
            assert_eq!(Some(h.is_active_in_account), e.is_active_in_account);
            assert_eq!(h.links.as_ref().map(|l| l.this.href.clone()), e.self_link);
            match &h.rating {
                Rating::Text(t) => {
                    assert_eq!(Some(t.as_str()), e.rating.as_ref().map(|r| r.as_str()))
                }
                Rating::Number(n) => {
                    assert_eq!(Some(*n), e.rating.as_ref().and_then(|r| r.value()))
                }
            }
        }
    }
}
