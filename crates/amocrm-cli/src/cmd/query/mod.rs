//! The query flags of the CRM lists, one small `Args` each so that a section takes the
//! ones amoCRM takes for it: `--with a,b`, `--filter KEY=VALUE` (repeatable, amoCRM's
//! bracket syntax after `filter`), `--order FIELD=asc|desc` and `--query TEXT`. Each is
//! read before anything is sent (a malformed one exits 2) and handed to the library's
//! list request through the `Takes…` traits, implemented once for the library's CRM
//! requests (`impls`).

mod impls;
pub mod parse;

use std::marker::PhantomData;

use clap::Args;

use crate::failure::Failure;

/// A request that takes `with` (a CRM list, and the get of an entity that has it).
pub trait TakesWith: Sized {
    /// Adds one `with` name (`with=a,b` once all are added).
    fn with_name(self, name: &str) -> Self;
}

/// A list request that takes `filter[…]`.
pub trait TakesFilter: Sized {
    /// Adds `filter<key>=value` (`key` as [`parse::filter`] split it: `id[]`).
    fn filter_by(self, key: &str, value: &str) -> Self;
}

/// A list request that takes `order[…]`.
pub trait TakesOrder: Sized {
    /// Sets `order[field]=direction`; `direction` is `asc` or `desc` ([`parse::order`]).
    fn order_by(self, field: &str, direction: &str) -> Result<Self, Failure>;
}

/// A list request that takes `query`.
pub trait TakesQuery: Sized {
    /// Sets `query=text`.
    fn search(self, text: &str) -> Self;
}

/// Every problem of a command's query flags at once (`FilterArg::problems`, …), before
/// anything is sent or even connected: an input error (exit 2) naming each.
pub fn check(problems: impl IntoIterator<Item = Vec<String>>) -> Result<(), Failure> {
    let problems: Vec<String> = problems.into_iter().flatten().collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(problems))
    }
}

/// The section's words for the help of `--with` and `--order`.
pub trait QueryHelp {
    /// The help of `--with`: what it sends and the names amoCRM knows for the section.
    const WITH_HELP: &'static str = "Related data to add, comma-separated: sends with=A,B";
    /// The help of `--order`: what it sends and the fields amoCRM sorts the section by.
    const ORDER_HELP: &'static str = "Sort order: 'updated_at=desc' sends order[updated_at]=desc";
}

/// `--with A,B` (repeatable).
#[derive(Debug, Args)]
pub struct WithArg<T: QueryHelp + Send + Sync + 'static> {
    #[arg(long, value_name = "A,B", value_delimiter = ',', help = T::WITH_HELP)]
    pub with: Vec<String>,

    #[arg(skip)]
    entries: PhantomData<T>,
}

impl<T: QueryHelp + Send + Sync + 'static> WithArg<T> {
    /// What is wrong with `--with`, if anything.
    pub fn problems(&self) -> Vec<String> {
        parse::with(&self.with).err().into_iter().collect()
    }

    /// `call` with the names of `--with`.
    pub fn apply<R: TakesWith>(&self, call: R) -> Result<R, Failure> {
        let names = parse::with(&self.with).map_err(Failure::input)?;
        Ok(names.into_iter().fold(call, R::with_name))
    }
}

/// `--filter KEY=VALUE` (repeatable).
#[derive(Debug, Args)]
pub struct FilterArg {
    /// A filter in amoCRM's bracket syntax, the part after "filter", split at the first
    /// '=' outside brackets (repeatable): 'id[]=5' sends filter[id][]=5,
    /// 'updated_at[from]=1700000000' sends filter[updated_at][from]=1700000000
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
}

impl FilterArg {
    /// What is wrong with each `--filter`, if anything.
    pub fn problems(&self) -> Vec<String> {
        self.filter
            .iter()
            .filter_map(|f| parse::filter(f).err())
            .collect()
    }

    /// `call` with every `--filter`; all of them are checked first, every problem named.
    pub fn apply<R: TakesFilter>(&self, call: R) -> Result<R, Failure> {
        let (pairs, problems): (Vec<_>, Vec<_>) = self
            .filter
            .iter()
            .map(|f| parse::filter(f))
            .partition(Result::is_ok);
        if !problems.is_empty() {
            return Err(Failure::Input(
                problems.into_iter().filter_map(Result::err).collect(),
            ));
        }
        let pairs = pairs.into_iter().filter_map(Result::ok);
        Ok(pairs.fold(call, |call, (key, value)| call.filter_by(key, value)))
    }
}

/// `--order FIELD=asc|desc`.
#[derive(Debug, Args)]
pub struct OrderArg<T: QueryHelp + Send + Sync + 'static> {
    #[arg(long, value_name = "FIELD=asc|desc", help = T::ORDER_HELP)]
    pub order: Option<String>,

    #[arg(skip)]
    entries: PhantomData<T>,
}

impl<T: QueryHelp + Send + Sync + 'static> OrderArg<T> {
    /// What is wrong with `--order`, if anything.
    pub fn problems(&self) -> Vec<String> {
        let order = self.order.as_deref().map(parse::order);
        order.and_then(Result::err).into_iter().collect()
    }

    /// `call` sorted as `--order` says.
    pub fn apply<R: TakesOrder>(&self, call: R) -> Result<R, Failure> {
        match &self.order {
            None => Ok(call),
            Some(order) => {
                let (field, direction) = parse::order(order).map_err(Failure::input)?;
                call.order_by(field, direction)
            }
        }
    }
}

const EMPTY_QUERY: &str = "--query: the text is empty";

/// `--query TEXT`.
#[derive(Debug, Args)]
pub struct QueryArg {
    /// Search text: sends query=TEXT (amoCRM searches names and the fields' values)
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,
}

impl QueryArg {
    /// What is wrong with `--query`, if anything.
    pub fn problems(&self) -> Vec<String> {
        match self.query.as_deref() {
            Some("") => vec![EMPTY_QUERY.to_owned()],
            _ => Vec::new(),
        }
    }

    /// `call` with the search text of `--query`.
    pub fn apply<R: TakesQuery>(&self, call: R) -> Result<R, Failure> {
        match self.query.as_deref() {
            None => Ok(call),
            Some("") => Err(Failure::input(EMPTY_QUERY)),
            Some(text) => Ok(call.search(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a list request would send, as `key=value` pairs.
    #[derive(Debug, Default)]
    struct Sent(Vec<String>);

    impl TakesWith for Sent {
        fn with_name(mut self, name: &str) -> Self {
            self.0.push(format!("with={name}"));
            self
        }
    }

    impl TakesOrder for Sent {
        fn order_by(mut self, field: &str, direction: &str) -> Result<Self, Failure> {
            self.0.push(format!("order[{field}]={direction}"));
            Ok(self)
        }
    }

    impl TakesQuery for Sent {
        fn search(mut self, text: &str) -> Self {
            self.0.push(format!("query={text}"));
            self
        }
    }

    impl TakesFilter for Sent {
        fn filter_by(mut self, key: &str, value: &str) -> Self {
            let (root, rest) = key.split_at(key.find('[').unwrap_or(key.len()));
            self.0.push(format!("filter[{root}]{rest}={value}"));
            self
        }
    }

    struct Leads;
    impl QueryHelp for Leads {}

    fn input(failure: Failure) -> Vec<String> {
        match failure {
            Failure::Input(messages) => messages,
            other => panic!("not an input failure: {other:?}"),
        }
    }

    #[test]
    fn the_flags_become_the_query_pairs() {
        let filter = FilterArg {
            filter: vec!["id[]=5".into(), "updated_at[from]=1700000000".into()],
        };
        let order = OrderArg::<Leads> {
            order: Some("updated_at=desc".into()),
            entries: PhantomData,
        };
        let with = WithArg::<Leads> {
            with: vec!["contacts".into(), "loss_reason".into()],
            entries: PhantomData,
        };
        let query = QueryArg {
            query: Some("Иван".into()),
        };
        let sent = filter.apply(Sent::default()).and_then(|s| order.apply(s));
        let sent = sent
            .and_then(|s| with.apply(s))
            .and_then(|s| query.apply(s));
        assert_eq!(
            sent.map(|s| s.0).unwrap_or_default(),
            [
                "filter[id][]=5",
                "filter[updated_at][from]=1700000000",
                "order[updated_at]=desc",
                "with=contacts",
                "with=loss_reason",
                "query=Иван",
            ]
        );
    }

    #[test]
    fn every_malformed_filter_is_named_and_nothing_is_added() {
        let filter = FilterArg {
            filter: vec!["id[=5".into(), "name=ok".into(), "price".into()],
        };
        let messages = input(filter.apply(Sent::default()).expect_err("malformed"));
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("--filter 'id[=5'"), "{messages:?}");
        assert!(messages[1].starts_with("--filter 'price'"), "{messages:?}");
        let order = OrderArg::<Leads> {
            order: Some("updated_at".into()),
            entries: PhantomData,
        };
        assert_eq!(
            input(order.apply(Sent::default()).expect_err("no =")).len(),
            1
        );
        let query = QueryArg {
            query: Some(String::new()),
        };
        assert!(query.apply(Sent::default()).is_err());
    }
}
