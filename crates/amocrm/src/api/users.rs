//! Users and roles (both admin only: amoCRM answers 403 to others): lists (paged) and
//! gets by ID, with their `with` parts. The models are the generated ones.

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{CrmGet, CrmList, CrmQuery, NotTaken, crm_get, crm_list, open_param};

pub use amocrm_raw::UserRank;
pub use amocrm_raw::types::{CatalogRight, EntityRights, Role, StatusRight, User, UserRights};

open_param! {
    /// A user's optional parts (`with`).
    pub enum With {
        /// The user's role (`_embedded.roles`).
        Role = "role",
        /// The user's group (`_embedded.groups`).
        Group = "group",
        /// The user's UUID.
        Uuid = "uuid",
        /// The user's ID in amoCRM's chats.
        AmojoId = "amojo_id",
        /// The user's rank: newbie, candidate or master.
        UserRank = "user_rank",
        /// The user's phone number.
        PhoneNumber = "phone_number",
    }
}

open_param! {
    /// A role's optional parts (`with`).
    pub enum RoleWith {
        /// The IDs of the role's users.
        Users = "users",
    }
}

impl Client {
    /// Users (admin only): `client.users().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::users::With;
    ///
    /// let page = client.users().list().with(With::Role).with(With::UserRank).send().await?;
    /// for user in &page.items {
    ///     println!("{} {:?} {:?}", user.id, user.name, user.user_rank);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> UserCalls<'_> {
        UserCalls { client: self }
    }

    /// Roles (admin only): `client.roles().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::users::RoleWith;
    ///
    /// let role = client.roles().get(3001).with(RoleWith::Users).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn roles(&self) -> RoleCalls<'_> {
        RoleCalls { client: self }
    }
}

/// The user calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct UserCalls<'c> {
    client: &'c Client,
}

impl UserCalls<'_> {
    /// `GET /api/v4/users`: a page, every page or every user.
    pub fn list(&self) -> ListRequest<User, CrmQuery<User>> {
        crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let call = client.raw().list_users(at.limit, at.page, with.as_deref());
                let list = client.call(call).await?;
                let users = list.embedded.into_option().map(|e| e.users);
                Ok(Page::listed(list.page, list.links, users))
            })
        })
    }

    /// `GET /api/v4/users/{id}`: one user (a missing one is [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<User, CrmGet<User>> {
        crm_get(self.client, id, |client, id, q| {
            Box::pin(async move {
                let with = q.with_arg();
                client
                    .call(client.raw().get_user(id, with.as_deref()))
                    .await
            })
        })
    }
}

/// The role calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct RoleCalls<'c> {
    client: &'c Client,
}

impl RoleCalls<'_> {
    /// `GET /api/v4/roles`: a page, every page or every role.
    pub fn list(&self) -> ListRequest<Role, CrmQuery<Role>> {
        crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let call = client.raw().list_roles(at.limit, at.page, with.as_deref());
                let list = client.call(call).await?;
                let roles = list.embedded.into_option().map(|e| e.roles);
                Ok(Page::listed(list.page, list.links, roles))
            })
        })
    }

    /// `GET /api/v4/roles/{id}`: one role (a missing one is [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Role, CrmGet<Role>> {
        crm_get(self.client, id, |client, id, q| {
            Box::pin(async move {
                let with = q.with_arg();
                client
                    .call(client.raw().get_role(id, with.as_deref()))
                    .await
            })
        })
    }
}

impl Listed for User {
    const NOUN: &'static str = "user";
    const EMBEDDED: &'static str = "users";
    type Paging = Paged;
    type Raw = User;
    fn from_raw(raw: User) -> Self {
        raw
    }
}

impl CrmList for User {
    type With = With;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}

impl Listed for Role {
    const NOUN: &'static str = "role";
    const EMBEDDED: &'static str = "roles";
    type Paging = Paged;
    type Raw = Role;
    fn from_raw(raw: Role) -> Self {
        raw
    }
}

impl CrmList for Role {
    type With = RoleWith;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}
