//! A table of leads, contacts or companies: rows by id, with an index by `updated_at`, so
//! that a page in either order is found without sorting, and a change moves one entry of
//! the index.

/// What a table needs of its rows.
pub(crate) trait Row {
    fn id(&self) -> i64;
    fn updated_at(&self) -> i64;
}

/// The key a list is ordered by. `created_at` orders as `id` (an entity's id grows with
/// its creation time); equal `updated_at`s are ordered by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SortKey {
    Id,
    UpdatedAt,
}

/// A list's order: a key and a direction (`desc` reverses the ties too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Order {
    pub key: SortKey,
    pub desc: bool,
}

impl Order {
    pub const ID_ASC: Order = Order {
        key: SortKey::Id,
        desc: false,
    };
}

/// Rows sorted by id and the `(updated_at, id)` index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table<T> {
    rows: Vec<T>,
    by_updated: Vec<(i64, i64)>,
}

/// One page of a selection and whether anything follows it.
#[derive(Debug)]
pub(crate) struct Selection<'a, T> {
    pub items: Vec<&'a T>,
    pub more: bool,
}

impl<T: Row> Table<T> {
    /// A table of `rows` (in any order).
    pub fn new(mut rows: Vec<T>) -> Self {
        rows.sort_by_key(Row::id);
        let mut by_updated: Vec<(i64, i64)> =
            rows.iter().map(|r| (r.updated_at(), r.id())).collect();
        by_updated.sort_unstable();
        Table { rows, by_updated }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    fn position(&self, id: i64) -> Option<usize> {
        self.rows.binary_search_by_key(&id, Row::id).ok()
    }

    pub fn get(&self, id: i64) -> Option<&T> {
        self.position(id).map(|at| &self.rows[at])
    }

    /// Changes the row `id` with `change`, keeping the index in step; `None` when there is
    /// no such row. `change` must not change the id.
    pub fn update<R>(&mut self, id: i64, change: impl FnOnce(&mut T) -> R) -> Option<R> {
        let at = self.position(id)?;
        let before = self.rows[at].updated_at();
        let result = change(&mut self.rows[at]);
        let after = self.rows[at].updated_at();
        if after != before {
            if let Ok(old) = self.by_updated.binary_search(&(before, id)) {
                self.by_updated.remove(old);
            }
            let new = self.by_updated.partition_point(|&key| key < (after, id));
            self.by_updated.insert(new, (after, id));
        }
        Some(result)
    }

    /// Adds a row (its id must not be in the table yet).
    pub fn insert(&mut self, row: T) {
        let key = (row.updated_at(), row.id());
        let at = self.rows.partition_point(|r| r.id() < row.id());
        self.rows.insert(at, row);
        let at = self.by_updated.partition_point(|&k| k < key);
        self.by_updated.insert(at, key);
    }

    /// Takes the row `id` out of the table.
    pub fn remove(&mut self, id: i64) -> Option<T> {
        let at = self.position(id)?;
        let row = self.rows.remove(at);
        if let Ok(old) = self.by_updated.binary_search(&(row.updated_at(), id)) {
            self.by_updated.remove(old);
        }
        Some(row)
    }

    /// The rows in `order` that `keep` admits (every row when `None`), `skip` of them
    /// skipped, at most `take` returned. Without a predicate the page is found directly.
    pub fn select<'a>(
        &'a self,
        order: Order,
        keep: Option<&dyn Fn(&T) -> bool>,
        skip: usize,
        take: usize,
    ) -> Selection<'a, T> {
        // Without a predicate the rows to skip are skipped in the index itself (a slice),
        // not looked up one by one.
        let direct = if keep.is_none() {
            skip.min(self.rows.len())
        } else {
            0
        };
        let skip = skip - direct;
        let ids: Box<dyn Iterator<Item = &'a T> + 'a> = match (order.key, order.desc) {
            (SortKey::Id, false) => Box::new(self.rows[direct..].iter()),
            (SortKey::Id, true) => Box::new(self.rows[..self.rows.len() - direct].iter().rev()),
            (SortKey::UpdatedAt, desc) => {
                let by_id = move |&(_, id): &(i64, i64)| self.get(id);
                let keys = &self.by_updated;
                if desc {
                    Box::new(keys[..keys.len() - direct].iter().rev().filter_map(by_id))
                } else {
                    Box::new(keys[direct..].iter().filter_map(by_id))
                }
            }
        };
        let mut items = Vec::with_capacity(take.min(256));
        let mut more = false;
        let mut window = |iter: &mut dyn Iterator<Item = &'a T>| {
            for row in iter {
                if items.len() == take {
                    more = true;
                    break;
                }
                items.push(row);
            }
        };
        match keep {
            None => window(&mut ids.skip(skip)),
            Some(keep) => window(&mut ids.filter(|row| keep(row)).skip(skip)),
        }
        Selection { items, more }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct R(i64, i64);

    impl Row for R {
        fn id(&self) -> i64 {
            self.0
        }
        fn updated_at(&self) -> i64 {
            self.1
        }
    }

    fn ids(s: &Selection<'_, R>) -> Vec<i64> {
        s.items.iter().map(|r| r.0).collect()
    }

    const UPDATED: Order = Order {
        key: SortKey::UpdatedAt,
        desc: false,
    };
    const UPDATED_DESC: Order = Order {
        key: SortKey::UpdatedAt,
        desc: true,
    };

    #[test]
    fn pages_in_both_orders_with_ties_by_id() {
        let table = Table::new(vec![R(3, 10), R(1, 20), R(2, 10), R(4, 5)]);
        assert_eq!(ids(&table.select(Order::ID_ASC, None, 0, 10)), [1, 2, 3, 4]);
        let desc = Order {
            key: SortKey::Id,
            desc: true,
        };
        assert_eq!(ids(&table.select(desc, None, 1, 2)), [3, 2]);
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [4, 2, 3, 1]);
        assert_eq!(ids(&table.select(UPDATED_DESC, None, 0, 10)), [1, 3, 2, 4]);
        assert_eq!(ids(&table.select(UPDATED_DESC, None, 1, 2)), [3, 2]);
        assert!(table.select(UPDATED_DESC, None, 9, 2).items.is_empty());
        let page = table.select(UPDATED, None, 1, 2);
        assert_eq!((ids(&page), page.more), (vec![2, 3], true));
        let last = table.select(UPDATED, None, 2, 2);
        assert_eq!((ids(&last), last.more), (vec![3, 1], false));
        assert!(table.select(UPDATED, None, 4, 2).items.is_empty());
        let even = |r: &R| r.0 % 2 == 0;
        let page = table.select(UPDATED, Some(&even), 0, 1);
        assert_eq!((ids(&page), page.more), (vec![4], true));
        let page = table.select(UPDATED, Some(&even), 1, 1);
        assert_eq!((ids(&page), page.more), (vec![2], false));
    }

    #[test]
    fn an_update_moves_the_row_in_the_index() {
        let mut table = Table::new(vec![R(1, 10), R(2, 20), R(3, 30)]);
        assert_eq!(table.update(1, |r| r.1 = 40), Some(()));
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [2, 3, 1]);
        assert_eq!(table.update(3, |r| r.1 = 20), Some(()));
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [2, 3, 1]);
        assert_eq!(table.update(9, |r| r.1 = 1), None);
        assert_eq!(table.update(2, |_| 7), Some(7));
        assert_eq!(table.get(3), Some(&R(3, 20)));
        table.insert(R(0, 5));
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [0, 2, 3, 1]);
        assert_eq!(table.remove(2), Some(R(2, 20)));
        assert_eq!(table.remove(2), None);
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [0, 3, 1]);
        assert_eq!(ids(&table.select(Order::ID_ASC, None, 0, 10)), [0, 1, 3]);
        assert_eq!(table.len(), 3);
        // In the middle of both orders.
        table.insert(R(2, 25));
        assert_eq!(ids(&table.select(Order::ID_ASC, None, 0, 10)), [0, 1, 2, 3]);
        assert_eq!(ids(&table.select(UPDATED, None, 0, 10)), [0, 3, 2, 1]);
        assert_eq!(table.get(2), Some(&R(2, 25)));
    }
}
