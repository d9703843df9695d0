//! The typed filters several sections share, each written once: `filters!(Lead { ids,
//! names, updated_at, … })` adds the named methods to the section's list.

/// Adds the named shared filters to `ListRequest<$model, CrmQuery<$model>>`.
macro_rules! filters {
    ($model:ty { $($name:ident),* $(,)? }) => {
        /// The filters this list shares with other sections (`filter[…]`, PHP's bracket
        /// form); each may be combined with the others and with raw ones
        /// (`.filter(key, value)`).
        impl $crate::pagination::ListRequest<$model, $crate::query::CrmQuery<$model>> {
            $($crate::query::filters!(@ $name);)*
        }
    };
    (@ ids) => {
        /// Only these IDs (`filter[id][]`; each one amoCRM can have, `1..=i64::MAX`).
        pub fn ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
            self.filter_ids("id", ids)
        }
    };
    (@ names) => {
        /// Only those named exactly one of `names` (`filter[name][]`).
        pub fn names<S: AsRef<str>>(self, names: impl IntoIterator<Item = S>) -> Self {
            let names: Vec<S> = names.into_iter().collect();
            self.filter_values("name", names.iter().map(AsRef::as_ref))
        }
    };
    (@ created_at) => {
        /// Created within `range`, Unix seconds (`filter[created_at][from]`, `[to]`).
        pub fn created_at(self, range: $crate::query::Range) -> Self {
            self.filter_range(&["created_at"], range)
        }
    };
    (@ updated_at) => {
        /// Changed within `range`, Unix seconds (`filter[updated_at][from]`, `[to]`).
        pub fn updated_at(self, range: $crate::query::Range) -> Self {
            self.filter_range(&["updated_at"], range)
        }
    };
    (@ closest_task_at) => {
        /// Nearest open task due within `range`, Unix seconds (`filter[closest_task_at]`).
        pub fn closest_task_at(self, range: $crate::query::Range) -> Self {
            self.filter_range(&["closest_task_at"], range)
        }
    };
    (@ responsible) => {
        /// Whose responsible user is one of `users` (`filter[responsible_user_id][]`).
        pub fn responsible(self, users: impl IntoIterator<Item = i64>) -> Self {
            self.filter_ids("responsible_user_id", users)
        }
    };
    (@ created_by) => {
        /// Created by one of `users` (`filter[created_by][]`).
        pub fn created_by(self, users: impl IntoIterator<Item = i64>) -> Self {
            self.filter_ids("created_by", users)
        }
    };
    (@ updated_by) => {
        /// Last changed by one of `users` (`filter[updated_by][]`).
        pub fn updated_by(self, users: impl IntoIterator<Item = i64>) -> Self {
            self.filter_ids("updated_by", users)
        }
    };
    (@ custom_fields) => {
        /// Whose custom field `field_id` holds `value`: a text, a number, an enum ID, `1`
        /// or `0` (`true`, `false`) for a checkbox (`filter[custom_fields_values][field_id][]`;
        /// a float must be finite, [`FilterValue`]($crate::query::FilterValue)). amoCRM
        /// filters by custom fields only on accounts with its API filter option on.
        pub fn custom_field(self, field_id: i64, value: impl $crate::query::FilterValue) -> Self {
            if let Some(reason) = Self::field_id_refusal(field_id) {
                return self.refuse_filter("custom_fields_values", reason);
            }
            let field = field_id.to_string();
            self.filter_value_at(&["custom_fields_values", &field, ""], value)
        }

        /// Whose custom field `field_id` (a number or a date) is within `range`
        /// (`filter[custom_fields_values][field_id][from]`, `[to]`).
        pub fn custom_field_range<N>(self, field_id: i64, range: $crate::query::Range<N>) -> Self
        where
            N: $crate::query::FilterValue + PartialOrd,
        {
            if let Some(reason) = Self::field_id_refusal(field_id) {
                return self.refuse_filter("custom_fields_values", reason);
            }
            let field = field_id.to_string();
            self.filter_range(&["custom_fields_values", &field], range)
        }
    };
}

pub(crate) use filters;
