//! Writing posts and pages, whichever door: who may create, edit, publish, pin, or write as
//! someone else; the rules every post meets ([`input::check_write`]); when "publish" means
//! "schedule"; and the save itself. The admin's editor and bulk actions and the REST API call
//! these; each door words a refusal its own way. (`dateline post new` is the site owner's
//! tool: it checks the same post rules and quote limit, and no account's rights.) A post that
//! readers will see is measured against the site's quote limit ([`crate::quoting`]).

use dateline_core::accounts::Capability;
use dateline_core::config::QuoteSettings;
use dateline_core::input::{self, InputError};
use dateline_core::{Post, PostKind, PostStatus, PostWrite, QuoteOverride, Store, StoreError, User};
use jiff::Timestamp;

use crate::embeds;
use crate::quoting::{self, QuoteRefusal};

/// Why a write was not made.
#[derive(Debug, thiserror::Error)]
pub enum PostRefusal {
    /// The post breaks a rule every door applies (the field is named).
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// The account may not write posts of this kind (pages are for editors).
    #[error("may not create this kind of post")]
    MayNotCreate,
    /// Someone else's post, or one already published by an account that may not publish.
    #[error("may not edit this post")]
    MayNotEdit,
    /// Publishing, scheduling or making private needs the right to publish.
    #[error("may not publish")]
    MayNotPublish,
    /// Pinning a post to the top of the stream needs the right to publish.
    #[error("may not make posts sticky")]
    MayNotPin,
    /// Only editors write as another author.
    #[error("may not write as another author")]
    MayNotWriteAs,
    /// Published or scheduled, it would quote more of its source than the site allows.
    #[error(transparent)]
    Quote(#[from] QuoteRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The capability a kind of post needs: any writer for posts, an editor for pages.
pub fn needed_to_write(kind: PostKind) -> Capability {
    if kind == PostKind::Page { Capability::EditOthersPosts } else { Capability::WritePosts }
}

/// Editors edit everything; authors their own posts; contributors their own posts until
/// they are published (as in WordPress).
pub fn may_edit(post: &Post, user: &User) -> bool {
    user.role.can(Capability::EditOthersPosts)
        || (post.kind == PostKind::Post
            && post.author.id == user.id
            && user.role.can(Capability::WritePosts)
            && (!is_public_status(post.status) || user.role.can(Capability::PublishPosts)))
}

/// The statuses that put a post before readers (now or at its time).
fn is_public_status(status: PostStatus) -> bool {
    matches!(status, PostStatus::Published | PostStatus::Scheduled | PostStatus::Private)
}

/// Whether `user` may make `write` out of `before` (`None`: a new post): the post or kind, then
/// each right the change needs. What the post already had (its author, its pin) needs no right
/// to keep.
pub fn check_rights(user: &User, before: Option<&Post>, write: &PostWrite) -> Result<(), PostRefusal> {
    match before {
        Some(post) if !may_edit(post, user) => return Err(PostRefusal::MayNotEdit),
        None if !user.role.can(needed_to_write(write.kind)) => return Err(PostRefusal::MayNotCreate),
        _ => {}
    }
    let may_publish = user.role.can(Capability::PublishPosts);
    if is_public_status(write.status) && !may_publish {
        return Err(PostRefusal::MayNotPublish);
    }
    if write.sticky && !before.is_some_and(|p| p.sticky) && !may_publish {
        return Err(PostRefusal::MayNotPin);
    }
    let same_author = write.author == user.id || before.is_some_and(|p| p.author.id == write.author);
    if !same_author && !user.role.can(Capability::EditOthersPosts) {
        return Err(PostRefusal::MayNotWriteAs);
    }
    Ok(())
}

/// What [`save`] checks before writing: the post rules, then the rights, then the quoting. A
/// door that must write something else first (the editor makes new tags) asks this before it
/// does.
pub fn check(user: &User, before: Option<&Post>, write: &PostWrite, quote: &quoting::Policy) -> Result<(), PostRefusal> {
    checked(user, before, write, quote, Timestamp::now()).map(|_| ())
}

/// [`check`], with the override to record when an editor publishes over the quote limit.
fn checked(
    user: &User,
    before: Option<&Post>,
    write: &PostWrite,
    quote: &quoting::Policy,
    now: Timestamp,
) -> Result<Option<QuoteOverride>, PostRefusal> {
    input::check_write(write)?;
    check_rights(user, before, write)?;
    Ok(quoting::decide(&quote.limits, write, quote.override_asked.then_some(user), now)?)
}

/// A post published with a date to come is scheduled for that date.
pub fn settle_status(write: &mut PostWrite, now: Timestamp) {
    if write.status == PostStatus::Published && write.published_at > now {
        write.status = PostStatus::Scheduled;
    }
}

/// Saves `write` by `user` over `before` (`None`: a new post), after the post rules, the rights
/// it needs and the quote limit; nothing is written when any refuses. A post saved published
/// is measured again on every save (an edit may quote more). Its embed links get their cards
/// ([`embeds::with_cards`]: asked of their providers through `embedder`, or only from answers
/// already kept when it is `None`); an embed never makes a save fail.
pub async fn save(
    store: &dyn Store,
    user: &User,
    before: Option<&Post>,
    mut write: PostWrite,
    quote: &quoting::Policy,
    embedder: Option<&embeds::Embedder>,
) -> Result<Post, PostRefusal> {
    let now = Timestamp::now();
    if let Some(record) = checked(user, before, &write, quote, now)? {
        write.quote_override = Some(record);
    }
    settle_status(&mut write, now);
    write.body_html = embeds::with_cards(store, embedder, user.id, &write.body_html).await;
    Ok(store.save_post(before.map(|p| p.id), write).await?)
}

/// Moves `post` to `status` (publish, back to draft, the trash) and nothing else: its content
/// is not checked again, so a post imported with a longer title than the editor allows can
/// still be trashed. Publishing is measured against the quote `limits` (no override here: a
/// bulk action does not decide for each post).
pub async fn set_status(
    store: &dyn Store,
    user: &User,
    post: &Post,
    status: PostStatus,
    limits: &QuoteSettings,
) -> Result<Post, PostRefusal> {
    let mut write = PostWrite::from_post(post);
    write.status = status;
    check_rights(user, Some(post), &write)?;
    let now = Timestamp::now();
    quoting::decide(limits, &write, None, now)?;
    settle_status(&mut write, now);
    Ok(store.save_post(Some(post.id), write).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_core::Role;
    use dateline_core::import::BodyFormat;

    fn user(id: i64, role: Role) -> User {
        User { id, login: format!("u{id}"), display_name: format!("U{id}"), slug: format!("u{id}"), role, email: None }
    }

    /// A post of `author`'s with `status`, as the store reads it back.
    fn post_by(author: &User, status: PostStatus) -> Post {
        let write = PostWrite { status, ..PostWrite::new_draft(PostKind::Post, author.id, BodyFormat::Markdown) };
        Post {
            id: 9,
            kind: write.kind,
            title: write.title,
            slug: write.slug,
            dek: None,
            body_source: write.body_source,
            body_format: write.body_format,
            body_html: write.body_html,
            source: None,
            status,
            published_at: write.published_at,
            updated_at: write.published_at,
            author: author.clone(),
            sticky: false,
            discussion: write.discussion,
            categories: Vec::new(),
            tags: Vec::new(),
            outlet: None,
            reporters: Vec::new(),
            comment_count: 0,
            excerpt: None,
            password: None,
            parent_id: None,
            menu_order: 0,
            quote_override: None,
            featured_media: None,
        }
    }

    #[test]
    fn rights_follow_the_role() {
        let contributor = user(1, Role::Contributor);
        let author = user(2, Role::Author);
        let editor = user(3, Role::Editor);
        let draft = PostWrite::new_draft(PostKind::Post, contributor.id, BodyFormat::Markdown);
        assert!(check_rights(&contributor, None, &draft).is_ok());
        let published = PostWrite { status: PostStatus::Published, ..draft.clone() };
        assert!(matches!(check_rights(&contributor, None, &published), Err(PostRefusal::MayNotPublish)));
        let pinned = PostWrite { sticky: true, ..draft.clone() };
        assert!(matches!(check_rights(&contributor, None, &pinned), Err(PostRefusal::MayNotPin)));
        let as_editor = PostWrite { author: editor.id, ..draft.clone() };
        assert!(matches!(check_rights(&contributor, None, &as_editor), Err(PostRefusal::MayNotWriteAs)));
        let page = PostWrite::new_draft(PostKind::Page, author.id, BodyFormat::Markdown);
        assert!(matches!(check_rights(&author, None, &page), Err(PostRefusal::MayNotCreate)));
        assert!(check_rights(&editor, None, &PostWrite { author: author.id, ..page }).is_ok());

        // Someone else's post, or one's own once published, is out of a contributor's reach.
        let theirs = post_by(&author, PostStatus::Draft);
        assert!(matches!(check_rights(&contributor, Some(&theirs), &draft), Err(PostRefusal::MayNotEdit)));
        let own_published = post_by(&contributor, PostStatus::Published);
        assert!(matches!(check_rights(&contributor, Some(&own_published), &draft), Err(PostRefusal::MayNotEdit)));
        // An editor keeps another author's name on the post they edit.
        let kept = PostWrite::from_post(&theirs);
        assert!(check_rights(&editor, Some(&theirs), &kept).is_ok());
    }

    #[test]
    fn publishing_with_a_date_to_come_schedules() {
        let now = Timestamp::now();
        let mut write = PostWrite::new_draft(PostKind::Post, 1, BodyFormat::Markdown);
        write.status = PostStatus::Published;
        write.published_at = now + jiff::SignedDuration::from_hours(1);
        settle_status(&mut write, now);
        assert_eq!(write.status, PostStatus::Scheduled);
    }
}
