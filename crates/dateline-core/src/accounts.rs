//! Accounts and what each role may do, with WordPress's meaning of the four roles. The web
//! layer asks [`Role::can`] on the server for every admin action; nothing is trusted from
//! the browser.

use jiff::Timestamp;

use crate::model::{Role, UserId};

/// Something a logged-in person may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See the admin at all.
    Read,
    /// Write posts (a contributor's only as drafts or pending review).
    WritePosts,
    /// Publish or schedule their own posts.
    PublishPosts,
    /// Edit and publish anyone's posts, and pages.
    EditOthersPosts,
    /// Publish a post that quotes more of its source than the site's limit (the decision is
    /// recorded on the post): editors and administrators.
    OverrideQuoteLimit,
    /// Approve, spam, trash, edit and reply to comments.
    ModerateComments,
    /// Add, rename and delete categories and tags.
    ManageTerms,
    /// Change the site's settings.
    ManageSettings,
    /// Add, change and remove accounts.
    ManageUsers,
}

impl Role {
    /// Whether this role has `capability` (WordPress's role table, reduced to what Dateline does).
    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Administrator => true,
            Role::Editor => !matches!(capability, ManageSettings | ManageUsers),
            Role::Author => matches!(capability, Read | WritePosts | PublishPosts),
            Role::Contributor => matches!(capability, Read | WritePosts),
        }
    }
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    /// An argon2id PHC string, never the password itself.
    pub password_hash: String,
}

/// An application password as listed (its secret is shown once, at creation, and never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPassword {
    pub id: i64,
    pub user_id: UserId,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_mean_what_they_mean_in_wordpress() {
        assert!(Role::Administrator.can(Capability::ManageUsers));
        assert!(Role::Editor.can(Capability::ModerateComments) && !Role::Editor.can(Capability::ManageSettings));
        assert!(Role::Author.can(Capability::PublishPosts) && !Role::Author.can(Capability::EditOthersPosts));
        assert!(Role::Contributor.can(Capability::WritePosts) && !Role::Contributor.can(Capability::PublishPosts));
        assert!(!Role::Contributor.can(Capability::ModerateComments));
    }
}
