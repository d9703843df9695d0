//! [`FilterValue`]: a value a typed filter sends (a custom field's value, a range's end),
//! checked before sending, so nothing amoCRM cannot read (`inf`, `NaN`) leaves.

/// A value of a typed filter: a text (not blank), a whole number, a finite float, or a flag (`1` or
/// `0`, as amoCRM writes a checkbox). Checked when the filter is set; a refused one is
/// [`Invalid::Filter`](crate::error::Invalid::Filter) when the request is sent.
pub trait FilterValue {
    /// The value as sent, or why amoCRM cannot read it.
    fn filter_text(&self) -> Result<String, &'static str>;
}

impl<T: FilterValue + ?Sized> FilterValue for &T {
    fn filter_text(&self) -> Result<String, &'static str> {
        (**self).filter_text()
    }
}

/// A text that is not blank: an empty one would match what amoCRM makes of nothing.
impl FilterValue for str {
    fn filter_text(&self) -> Result<String, &'static str> {
        match self.trim().is_empty() {
            false => Ok(self.to_owned()),
            true => Err("empty"),
        }
    }
}

impl FilterValue for String {
    fn filter_text(&self) -> Result<String, &'static str> {
        self.as_str().filter_text()
    }
}

impl FilterValue for bool {
    fn filter_text(&self) -> Result<String, &'static str> {
        Ok(u8::from(*self).to_string())
    }
}

macro_rules! whole {
    ($($t:ty),*) => {$(
        impl FilterValue for $t {
            fn filter_text(&self) -> Result<String, &'static str> {
                Ok(self.to_string())
            }
        }
    )*};
}

whole!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

macro_rules! float {
    ($($t:ty),*) => {$(
        /// A finite number: `inf`, `-inf` and `NaN` are no amount amoCRM reads.
        impl FilterValue for $t {
            fn filter_text(&self) -> Result<String, &'static str> {
                match self.is_finite() {
                    true => Ok(self.to_string()),
                    false => Err("not a finite number"),
                }
            }
        }
    )*};
}

float!(f32, f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_sent_as_amocrm_reads_them_and_non_finite_ones_refused() {
        assert_eq!(2.5_f64.filter_text().unwrap(), "2.5");
        assert_eq!(true.filter_text().unwrap(), "1");
        assert_eq!((&"VIP").filter_text().unwrap(), "VIP");
        assert_eq!(u64::MAX.filter_text().unwrap(), "18446744073709551615");
        assert!("".filter_text().is_err() && String::from(" ").filter_text().is_err());
        for bad in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            assert!(bad.filter_text().is_err());
            assert!((bad as f32).filter_text().is_err());
        }
    }
}
