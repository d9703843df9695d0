//! The widget catalogue: the seed's example widgets, raw JSON widgets given by the
//! caller, then lazily generated ones.
//!
//! Generated widgets are never materialised up front: widget number `i`
//! (1-based) is a pure function of `i`, so a catalogue of 100 000 widgets costs
//! nothing at start-up and a list page only renders its own slice.

pub(crate) mod entry;
pub(crate) mod seed;
pub(crate) mod validate;
pub(crate) mod widget;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::model::catalogue::entry::{Entry, Rating, Version, Widget};
use crate::model::catalogue::seed::{
    SEED_CODES, SEED_WIDGET_COUNT, generated_code, generated_widget, seed_widget,
};
use crate::model::catalogue::widget::{FakeWidget, SettingField};

/// Upper bound for [`FakeBuilder::widgets`](crate::FakeBuilder::widgets); larger values are
/// clamped to it.
pub const MAX_GENERATED_WIDGETS: usize = 1_000_000_000;

/// Ids of the caller's widgets without one: above every seed and generated id.
pub(crate) const CUSTOM_ID_BASE: i64 = 2_000_000_000;

/// The immutable catalogue: seed widgets first, then the caller's own ones, then the raw
/// ones, then generated.
#[derive(Debug, Clone)]
pub(crate) struct Catalogue {
    generated: usize,
    custom: Arc<[Widget]>,
    raw: Arc<[Value]>,
    /// Code -> position, for the caller's and the raw widgets.
    codes: Arc<HashMap<String, usize>>,
}

/// The fake's own shape of a caller's widget.
fn custom_widget(i: usize, w: &FakeWidget) -> Widget {
    let template = w
        .settings_template
        .iter()
        .map(|f| SettingField::new(f.key.clone(), f.name.clone(), f.kind, f.is_required))
        .collect::<Vec<_>>();
    let version = match &w.version {
        Value::String(s) => Version::Text(Cow::Owned(s.clone())),
        other => Version::Json(other.clone()),
    };
    Widget {
        id: w.id.unwrap_or(CUSTOM_ID_BASE + i as i64 + 1),
        code: Cow::Owned(w.code.clone()),
        version,
        rating: Rating::Json(w.rating.clone()),
        settings_template: Cow::Owned(template),
        is_lead_source: w.is_lead_source,
        is_work_with_dp: w.is_work_with_dp,
        is_crm_template: w.is_crm_template,
        client_uuid: w.client_uuid.clone(),
        pipeline_id: w.pipeline_id,
    }
}

impl Catalogue {
    /// A catalogue; `Err` names a widget code given twice (or one of the seed's).
    pub fn new(generated: usize, custom: &[FakeWidget], raw: Vec<Value>) -> Result<Self, String> {
        let mut codes = HashMap::new();
        for (i, w) in custom.iter().enumerate() {
            if w.code.is_empty() {
                return Err("a widget has an empty code".to_owned());
            }
            let mut keys = std::collections::HashSet::new();
            if let Some(key) = w
                .settings_template
                .iter()
                .find(|field| !keys.insert(&field.key))
            {
                return Err(format!(
                    "widget {:?}: settings_template has the key {:?} twice",
                    w.code, key.key
                ));
            }
            if SEED_CODES.contains(&w.code.as_str())
                || codes
                    .insert(w.code.clone(), SEED_WIDGET_COUNT + i)
                    .is_some()
            {
                return Err(format!(
                    "widget code {:?} is in the catalogue twice",
                    w.code
                ));
            }
        }
        for (i, raw) in raw.iter().enumerate() {
            // The first raw widget with a code wins, as before; a custom one wins over it.
            if let Some(code) = raw.get("code").and_then(Value::as_str) {
                codes
                    .entry(code.to_owned())
                    .or_insert(SEED_WIDGET_COUNT + custom.len() + i);
            }
        }
        Ok(Self {
            generated: generated.min(MAX_GENERATED_WIDGETS),
            custom: custom
                .iter()
                .enumerate()
                .map(|(i, w)| custom_widget(i, w))
                .collect(),
            raw: raw.into(),
            codes: Arc::new(codes),
        })
    }

    /// Total number of widgets.
    pub fn len(&self) -> usize {
        SEED_WIDGET_COUNT + self.custom.len() + self.raw.len() + self.generated
    }

    /// The rendered widget at position `pos` (0-based); `None` past the end and for a
    /// raw widget.
    #[cfg(test)]
    pub fn get(&self, pos: usize) -> Option<Widget> {
        match self.entry(pos)? {
            Entry::Widget(widget) => Some(widget),
            Entry::Raw(_) => None,
        }
    }

    /// The raw widget at position `pos`, if that is one.
    pub fn raw(&self, pos: usize) -> Option<&Value> {
        self.raw
            .get(pos.checked_sub(SEED_WIDGET_COUNT + self.custom.len())?)
    }

    /// The entry at position `pos` (0-based).
    pub fn entry(&self, pos: usize) -> Option<Entry> {
        let custom_end = SEED_WIDGET_COUNT + self.custom.len();
        let raw_end = custom_end + self.raw.len();
        if pos < SEED_WIDGET_COUNT {
            seed_widget(pos).map(Entry::Widget)
        } else if pos < custom_end {
            self.custom
                .get(pos - SEED_WIDGET_COUNT)
                .cloned()
                .map(Entry::Widget)
        } else if pos < raw_end {
            self.raw(pos).cloned().map(Entry::Raw)
        } else if pos < self.len() {
            Some(Entry::Widget(generated_widget(pos - raw_end + 1)))
        } else {
            None
        }
    }

    /// Position of the widget with this exact code (a raw widget's `code`, when it is a
    /// string).
    pub fn position(&self, code: &str) -> Option<usize> {
        if let Some(pos) = SEED_CODES.iter().position(|seed| *seed == code) {
            return Some(pos);
        }
        if let Some(&pos) = self.codes.get(code) {
            return Some(pos);
        }
        let digits = code.strip_prefix("widget_")?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: usize = digits.parse().ok()?;
        // Reject non-canonical spellings such as `widget_1` or `widget_000001`.
        if i == 0 || i > self.generated || generated_code(i) != code {
            return None;
        }
        Some(SEED_WIDGET_COUNT + self.custom.len() + self.raw.len() + i - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalogue::seed::generated_uuid;
    use crate::model::catalogue::widget::SettingType;

    #[test]
    fn positions_round_trip() {
        let c = Catalogue::new(1234, &[], Vec::new()).unwrap();
        assert_eq!(c.len(), 1237);
        for pos in 0..c.len() {
            let w = c.get(pos).expect("widget");
            assert_eq!(c.position(&w.code), Some(pos));
        }
        assert!(c.get(c.len()).is_none());
        assert_eq!(c.position("widget_1"), None);
        assert_eq!(c.position("widget_000001"), None);
        assert_eq!(c.position("widget_01235"), None);
        assert_eq!(c.position("widget_00000"), None);
        assert_eq!(c.position("widget_+0001"), None);
        assert_eq!(c.position(""), None);
    }

    #[test]
    fn ids_strictly_increase() {
        let c = Catalogue::new(50, &[], Vec::new()).unwrap();
        let ids: Vec<i64> = (0..c.len())
            .map(|p| c.get(p).map(|w| w.id).unwrap_or(0))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn raw_widgets_sit_between_seed_and_generated() {
        let raw = vec![
            serde_json::json!({"code": "odd_one", "version": 3}),
            serde_json::json!("not even an object"),
        ];
        let c = Catalogue::new(5, &[], raw).unwrap();
        assert_eq!(c.len(), 10);
        assert_eq!(c.position("odd_one"), Some(3));
        assert!(matches!(c.entry(3), Some(Entry::Raw(_))));
        assert!(c.get(4).is_none() && c.raw(4).is_some());
        assert_eq!(
            c.get(5).map(|w| w.code.into_owned()),
            Some(generated_code(1))
        );
        assert_eq!(c.position(&generated_code(1)), Some(5));
        assert_eq!(c.position(&generated_code(5)), Some(9));
        assert!(c.entry(10).is_none());
    }

    #[test]
    fn your_widgets_sit_between_seed_and_raw_and_win_over_raw_codes() {
        let custom = [
            FakeWidget::new("mine").version(7),
            FakeWidget::new("also_mine").id(9),
        ];
        let raw = vec![
            serde_json::json!({"code": "mine"}),
            serde_json::json!({"code": "r"}),
        ];
        let c = Catalogue::new(2, &custom, raw).unwrap();
        assert_eq!(c.len(), 3 + 2 + 2 + 2);
        assert_eq!(c.position("mine"), Some(3));
        assert_eq!(c.position("also_mine"), Some(4));
        assert_eq!(c.position("r"), Some(6));
        assert_eq!(c.position(&generated_code(1)), Some(7));
        assert_eq!(c.position(&generated_code(2)), Some(8));
        let mine = c.get(3).unwrap();
        assert_eq!(mine.id, CUSTOM_ID_BASE + 1);
        assert!(matches!(mine.version, Version::Json(ref v) if *v == 7));
        assert_eq!(c.get(4).unwrap().id, 9);
        assert!(matches!(c.entry(5), Some(Entry::Raw(_))));
        assert!(c.get(9).is_none());
        let twice = [FakeWidget::new("x"), FakeWidget::new("x")];
        assert!(Catalogue::new(0, &twice, Vec::new()).is_err());
        let empty = Catalogue::new(0, &[FakeWidget::new("")], Vec::new());
        assert!(empty.unwrap_err().contains("empty code"));
        let keys = [FakeWidget::new("y")
            .required_setting("k", SettingType::Text)
            .optional_setting("k", SettingType::Pass)];
        let keys = Catalogue::new(0, &keys, Vec::new());
        assert!(keys.unwrap_err().contains("\"k\" twice"));
        assert!(Catalogue::new(0, &[FakeWidget::new("amo_asterisk")], Vec::new()).is_err());
    }

    #[test]
    fn uuid_shape() {
        let u = generated_uuid(5);
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
    }
}
