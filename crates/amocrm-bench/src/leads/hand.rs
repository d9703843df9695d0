//! The lead baseline's types: what someone would write by hand with serde for
//! `GET /api/v4/leads`, every field of the documented answer a user reads — the custom
//! field values (each value as a `serde_json::Value`, since their shape depends on the
//! field's type), the tags and the company of `_embedded`, the links — so that the
//! baseline decodes what the ergonomic client decodes. Strict, as written for the
//! documented shapes: no strings for numbers, no `[]` for objects.

use serde::Deserialize;

use crate::hand::{Link, PageLinks};

/// One page of `GET /api/v4/leads`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// `_page`.
    #[serde(rename = "_page")]
    pub page: u32,
    /// `_links`.
    #[serde(rename = "_links")]
    pub links: PageLinks,
    /// `_embedded`.
    #[serde(rename = "_embedded")]
    pub embedded: Embedded,
}

/// `_embedded` of a page.
#[derive(Debug, Deserialize)]
pub struct Embedded {
    /// The leads.
    pub leads: Vec<Lead>,
}

/// A lead, every documented field.
#[derive(Debug, Deserialize)]
pub struct Lead {
    /// `id`.
    pub id: i64,
    /// `name`.
    pub name: String,
    /// `price`.
    pub price: i64,
    /// `responsible_user_id`.
    pub responsible_user_id: i64,
    /// `group_id`.
    pub group_id: i64,
    /// `status_id`.
    pub status_id: i64,
    /// `pipeline_id`.
    pub pipeline_id: i64,
    /// `loss_reason_id`.
    pub loss_reason_id: Option<i64>,
    /// `created_by`.
    pub created_by: i64,
    /// `updated_by`.
    pub updated_by: i64,
    /// `created_at`.
    pub created_at: i64,
    /// `updated_at`.
    pub updated_at: i64,
    /// `closed_at`.
    pub closed_at: Option<i64>,
    /// `closest_task_at`.
    pub closest_task_at: Option<i64>,
    /// `is_deleted`.
    pub is_deleted: bool,
    /// `custom_fields_values` (`null` when the lead has none).
    pub custom_fields_values: Option<Vec<CustomFieldValue>>,
    /// `score`.
    pub score: Option<i64>,
    /// `account_id`.
    pub account_id: i64,
    /// `labor_cost`.
    pub labor_cost: Option<i64>,
    /// `_links`.
    #[serde(rename = "_links")]
    pub links: SelfLinks,
    /// `_embedded`.
    #[serde(rename = "_embedded")]
    pub embedded: LeadEmbedded,
}

/// `_links` of an entity.
#[derive(Debug, Deserialize)]
pub struct SelfLinks {
    /// `self`.
    #[serde(rename = "self")]
    pub this: Link,
}

/// `_embedded` of a lead.
#[derive(Debug, Deserialize)]
pub struct LeadEmbedded {
    /// `tags`.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// `companies` (zero or one).
    #[serde(default)]
    pub companies: Vec<EntityRef>,
}

/// A tag of a lead.
#[derive(Debug, Deserialize)]
pub struct Tag {
    /// `id`.
    pub id: i64,
    /// `name`.
    pub name: String,
    /// `color`.
    pub color: Option<String>,
}

/// A linked entity.
#[derive(Debug, Deserialize)]
pub struct EntityRef {
    /// `id`.
    pub id: i64,
    /// `_links`.
    #[serde(rename = "_links")]
    pub links: Option<SelfLinks>,
}

/// One element of `custom_fields_values`.
#[derive(Debug, Deserialize)]
pub struct CustomFieldValue {
    /// `field_id`.
    pub field_id: i64,
    /// `field_name`.
    pub field_name: String,
    /// `field_code`.
    pub field_code: Option<String>,
    /// `field_type`.
    pub field_type: String,
    /// `values`.
    pub values: Vec<FieldValue>,
}

/// One element of `values`.
#[derive(Debug, Deserialize)]
pub struct FieldValue {
    /// `value`: text, a number, a flag or an object, by the field's type; absent for a
    /// chained list.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
    /// `enum_id`.
    pub enum_id: Option<i64>,
    /// `enum_code`.
    pub enum_code: Option<String>,
    /// `catalog_id` (chained list).
    pub catalog_id: Option<i64>,
    /// `catalog_element_id` (chained list).
    pub catalog_element_id: Option<i64>,
}

/// What the benchmark's consumer reads of one value, the same for every implementation:
/// a string's length, a number's integer part, a flag as 0 or 1, an object's or array's
/// length, plus the option and catalog element IDs.
pub fn value_digest(
    value: Option<&serde_json::Value>,
    enum_id: Option<i64>,
    element: Option<i64>,
) -> u64 {
    use serde_json::Value;
    let value = match value {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(flag)) => u64::from(*flag),
        Some(Value::Number(n)) => {
            n.as_i64()
                .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64) as u64
        }
        Some(Value::String(text)) => text.len() as u64,
        Some(Value::Array(items)) => items.len() as u64,
        Some(Value::Object(map)) => map.len() as u64,
    };
    value
        .wrapping_add(enum_id.unwrap_or(0) as u64)
        .wrapping_add(element.unwrap_or(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::digest;

    /// A page as the fake serves it: every field type the fake generates for leads.
    pub(crate) const PAGE: &str = r#"{"_page":1,
      "_links":{"self":{"href":"http://h/api/v4/leads?limit=2&page=1"},"next":{"href":"http://h/api/v4/leads?limit=2&page=2"}},
      "_embedded":{"leads":[
        {"id":10000001,"name":"Поставка #1","price":154100,"responsible_user_id":8000001,"group_id":0,
         "status_id":142,"pipeline_id":3177727,"loss_reason_id":null,"created_by":8000001,"updated_by":8000001,
         "created_at":1672531200,"updated_at":1675406570,"closed_at":1675406570,"closest_task_at":null,
         "is_deleted":false,"custom_fields_values":[
           {"field_id":200000,"field_name":"Комментарий","field_code":null,"field_type":"text","values":[{"value":"Оплата"}]},
           {"field_id":200001,"field_name":"Номер","field_code":null,"field_type":"numeric","values":[{"value":46133641}]},
           {"field_id":200002,"field_name":"Согласовано","field_code":null,"field_type":"checkbox","values":[{"value":true}]},
           {"field_id":200003,"field_name":"Канал","field_code":null,"field_type":"select","values":[{"value":"Сайт","enum_id":2000031,"enum_code":null}]},
           {"field_id":200011,"field_name":"Адрес","field_code":null,"field_type":"smart_address","values":[
             {"value":"ул. Садовая","enum_id":1,"enum_code":"address_line_1"},{"value":"Россия","enum_id":6,"enum_code":"country"}]},
           {"field_id":200013,"field_name":"Реквизиты","field_code":null,"field_type":"legal_entity","values":[
             {"value":{"name":"ООО","kpp":"770101001","director":null}}]},
           {"field_id":200014,"field_name":"utm_source","field_code":"UTM_SOURCE","field_type":"tracking_data","values":[{"value":"yandex"}]},
           {"field_id":200016,"field_name":"Товары","field_code":null,"field_type":"chained_list","values":[{"catalog_id":4500,"catalog_element_id":60000001}]},
           {"field_id":200017,"field_name":"Сумма","field_code":null,"field_type":"monetary","values":[{"value":"42748.29"}]}],
         "score":null,"account_id":1231414,"labor_cost":null,
         "_links":{"self":{"href":"http://h/api/v4/leads/10000001"}},
         "_embedded":{"tags":[{"id":100005,"name":"Партнёр","color":"FFC8C8"}],
           "companies":[{"id":30000017,"_links":{"self":{"href":"http://h/api/v4/companies/30000017"}}}]}},
        {"id":10000002,"name":"Заявка #2","price":0,"responsible_user_id":8000002,"group_id":0,
         "status_id":1,"pipeline_id":3177727,"loss_reason_id":null,"created_by":0,"updated_by":0,
         "created_at":1672531300,"updated_at":1672531300,"closed_at":null,"closest_task_at":null,
         "is_deleted":false,"custom_fields_values":null,"score":null,"account_id":1231414,"labor_cost":null,
         "_links":{"self":{"href":"http://h/api/v4/leads/10000002"}},"_embedded":{"tags":[],"companies":[]}}]}}"#;

    /// The hand-written struct and the raw types read the same values, and the digest
    /// the benchmark checks every run by sees every field it reads.
    #[test]
    fn hand_and_raw_types_read_the_same_leads() {
        let hand: Page = serde_json::from_str(PAGE).unwrap();
        let raw: amocrm_raw::types::LeadList = serde_json::from_str(PAGE).unwrap();
        let raw_leads = raw.embedded.into_option().unwrap().leads;
        assert_eq!(hand.page, 1);
        assert!(hand.links.next.is_some());
        assert_eq!(hand.embedded.leads.len(), raw_leads.len());
        for (h, r) in hand.embedded.leads.iter().zip(&raw_leads) {
            assert_eq!(digest::hand(h), digest::raw(r));
            assert_eq!(h.price, r.price.as_ref().and_then(|p| p.as_i64()).unwrap());
            assert_eq!(
                h.custom_fields_values.as_ref().map_or(0, Vec::len),
                r.custom_fields().len()
            );
        }
        let first = &hand.embedded.leads[0];
        assert_eq!(first.embedded.tags[0].name, "Партнёр");
        assert_eq!(first.embedded.companies[0].id, 30000017);
        // The digest changes with a value the consumer reads.
        let changed = PAGE.replacen("46133641", "46133642", 1);
        let other: Page = serde_json::from_str(&changed).unwrap();
        assert_ne!(digest::hand(first), digest::hand(&other.embedded.leads[0]));
    }

    #[test]
    fn the_strict_baseline_refuses_a_price_as_a_string() {
        let odd = PAGE.replacen("\"price\":154100", "\"price\":\"154100\"", 1);
        assert!(serde_json::from_str::<Page>(&odd).is_err());
        assert!(serde_json::from_str::<amocrm_raw::types::LeadList>(&odd).is_ok());
    }
}
