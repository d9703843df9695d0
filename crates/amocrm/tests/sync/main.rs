//! Sync without gaps against the fake amoCRM: the changes stream while leads change, with
//! more than a page in one second, resumed from a stored cursor, against a page-number
//! scan of the same churn; and the events feed.

mod changes;
mod events;
mod shapes;
