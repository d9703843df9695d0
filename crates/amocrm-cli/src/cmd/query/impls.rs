//! The `Takes…` traits for the library's CRM requests, once for every section: the text
//! of a flag read as the section's open set (a name the library does not know is sent
//! as it is; a parameter the list does not take is refused by the library, exit 2).

use std::str::FromStr;

use super::{TakesFilter, TakesOrder, TakesQuery, TakesWith};
use crate::failure::Failure;
use crate::sdk::{self, CrmGet, CrmList, CrmQuery, Direction, GetEvent, GetRequest, ListRequest};

/// `text` as an open set's value: reading one never fails.
fn open<P: FromStr<Err = std::convert::Infallible>>(text: &str) -> P {
    match text.parse() {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

impl<T: CrmList> TakesWith for ListRequest<T, CrmQuery<T>> {
    fn with_name(self, name: &str) -> Self {
        self.with(open(name))
    }
}

impl<T: CrmList> TakesWith for GetRequest<T, CrmGet<T>> {
    fn with_name(self, name: &str) -> Self {
        self.with(open(name))
    }
}

impl TakesWith for GetEvent<'_> {
    fn with_name(self, name: &str) -> Self {
        self.with(open(name))
    }
}

impl<T: CrmList> TakesFilter for ListRequest<T, CrmQuery<T>> {
    fn filter_by(self, key: &str, value: &str) -> Self {
        self.filter(key, value)
    }
}

impl<T: CrmList> TakesOrder for ListRequest<T, CrmQuery<T>> {
    fn order_by(self, field: &str, direction: &str) -> Result<Self, Failure> {
        let direction = Direction::from_str(direction).map_err(sdk::Error::from)?;
        Ok(self.order(open(field), direction))
    }
}

impl<T: CrmList> TakesQuery for ListRequest<T, CrmQuery<T>> {
    fn search(self, text: &str) -> Self {
        self.query(text)
    }
}
