//! One case per `Store` method the other cases do not exercise: what a caller sees, on both
//! stores (issue 11 asks for one conformance test per method; `cases.rs` covers the rest).

use dateline_core::accounts::NewUser;
use dateline_core::import::{ImportAuthor, ImportMedia, ImportPost, Redirect, RedirectTarget};
use dateline_core::*;
use dateline_testkit::{Db, fresh};
use jiff::{SignedDuration, Timestamp};

/// A published post by Ana Writer in World, tagged Cuba.
fn post(title: &str) -> NewPost {
    let mut post = crate::cases::new_post(title, "2024-05-01T00:00:00Z");
    post.categories = vec![vec!["World".into()]];
    post.tags = vec!["Cuba".into()];
    post
}

pub(crate) fn reader_comment(body: &str) -> NewComment {
    NewComment {
        kind: CommentKind::Comment,
        author_name: Some("Reader".into()),
        author_email: Some("reader@example.org".into()),
        author_url: None,
        author_ip: Some("192.0.2.1".into()),
        user_agent: None,
        body: body.into(),
        body_format: BodyFormat::Markdown,
        status: CommentStatus::Approved,
        created_at: "2024-05-02T00:00:00Z".parse().expect("time"),
        moderation_reason: None,
        spam_score: None,
        notify: false,
        user_id: None,
        parent_index: None,
    }
}

pub(crate) fn new_user(login: &str, role: Role) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: format!("{login} Name"),
        email: Some(format!("{login}@example.org")),
        role,
        password_hash: "hash-1".into(),
    }
}

pub async fn backend_name(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let expected = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    assert_eq!(test.dyn_store().backend_name(), expected);
}

pub async fn setting_and_set_setting(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    assert_eq!(store.setting("theme_colour").await.expect("read"), None);
    store.set_setting("theme_colour", "red").await.expect("write");
    store.set_setting("theme_colour", "blue").await.expect("overwrite");
    assert_eq!(store.setting("theme_colour").await.expect("read").as_deref(), Some("blue"));
}

pub async fn all_posts_users_and_public_author_ids(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let published = store.create_post(post("Out")).await.expect("post");
    let mut draft = post("Not yet");
    draft.write.status = PostStatus::Draft;
    draft.author_name = Some("Quiet Writer".into());
    store.create_post(draft).await.expect("draft");
    assert_eq!(store.all_posts(PostKind::Post).await.expect("posts").len(), 2, "every status");
    assert!(store.all_posts(PostKind::Page).await.expect("pages").is_empty());
    let users = store.users().await.expect("users");
    assert_eq!(users.len(), 2);
    let public = store.public_author_ids(Timestamp::now()).await.expect("authors");
    assert_eq!(public, vec![published.author.id], "only people with something published");
}

pub async fn delete_post(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut with_comments = post("Doomed");
    with_comments.comments = vec![reader_comment("first")];
    let doomed = store.create_post(with_comments).await.expect("post");
    store.delete_post(doomed.id).await.expect("delete");
    assert!(store.post_by_id(doomed.id).await.expect("read").is_none());
    assert!(store.comments_for_post(doomed.id, CommentStatus::Approved).await.expect("comments").is_empty(), "its comments go too");
    assert!(matches!(store.delete_post(doomed.id).await, Err(StoreError::NotFound(_)) | Ok(())));
}

pub async fn sitemap_entries_and_post_counts(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    store.create_post(post("Listed")).await.expect("post");
    let mut private = post("Hidden");
    private.write.status = PostStatus::Private;
    store.create_post(private).await.expect("private");
    let entries = store.sitemap_entries(Timestamp::now()).await.expect("sitemap");
    assert_eq!(entries.iter().map(|(kind, slug, _, _)| (*kind, slug.as_str())).collect::<Vec<_>>(), [(PostKind::Post, "listed")]);
    let counts = store.post_counts().await.expect("counts");
    assert!(
        counts.contains(&(PostKind::Post, PostStatus::Published, 1)) && counts.contains(&(PostKind::Post, PostStatus::Private, 1)),
        "{counts:?}"
    );
}

pub async fn term_post_counts_and_delete_term(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let one = store.create_post(post("One")).await.expect("post");
    store.create_post(post("Two")).await.expect("post");
    let cuba = one.tags[0].id;
    assert_eq!(store.term_post_counts(Taxonomy::Tag).await.expect("counts").get(&cuba), Some(&2));
    store.delete_term(cuba).await.expect("delete");
    assert!(store.term_by_id(cuba).await.expect("read").is_none());
    assert!(store.post_by_id(one.id).await.expect("read").expect("post").tags.is_empty(), "posts lose the tag, and stay");
}

pub async fn delete_comment_and_update_comment_body(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let on = store.create_post(post("Talk")).await.expect("post");
    let parent = store.create_comment(on.id, None, reader_comment("parent")).await.expect("comment");
    let reply = store.create_comment(on.id, Some(parent.id), reader_comment("reply")).await.expect("reply");
    store.update_comment_body(reply.id, "edited reply").await.expect("edit");
    assert_eq!(store.comment_by_id(reply.id).await.expect("read").expect("comment").body, "edited reply");
    store.delete_comment(parent.id).await.expect("delete");
    assert!(store.comment_by_id(parent.id).await.expect("read").is_none());
    assert_eq!(store.comment_by_id(reply.id).await.expect("read").expect("reply").parent_id, None, "its replies stay, at the top");
    assert!(matches!(store.update_comment_body(parent.id, "x").await, Err(StoreError::NotFound(_))));
}

pub async fn accounts_create_find_and_change(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let ed = store.create_user(new_user("ed", Role::Editor)).await.expect("create");
    assert!(
        matches!(store.create_user(new_user("ED", Role::Author)).await, Err(StoreError::Conflict(_))),
        "logins are unique whatever the case"
    );
    let (by_login, hash) = store.user_credentials("ed").await.expect("read").expect("found");
    assert_eq!((by_login.id, hash.as_deref()), (ed.id, Some("hash-1")));
    assert_eq!(store.user_credentials("ed@example.org").await.expect("read").map(|(u, _)| u.id), Some(ed.id), "by email too");
    assert_eq!(store.user_by_id(ed.id).await.expect("read").map(|u| u.login), Some("ed".into()));
    store.set_password_hash(ed.id, "hash-2").await.expect("password");
    assert_eq!(store.user_credentials("ed").await.expect("read").and_then(|(_, h)| h).as_deref(), Some("hash-2"));
    store.set_role(ed.id, Role::Author).await.expect("role");
    store.update_profile(ed.id, "Edward", Some("edward@example.org")).await.expect("profile");
    let changed = store.user_by_id(ed.id).await.expect("read").expect("user");
    assert_eq!(
        (changed.role, changed.display_name.as_str(), changed.email.as_deref()),
        (Role::Author, "Edward", Some("edward@example.org"))
    );
    let other = store.create_user(new_user("other", Role::Author)).await.expect("create");
    assert!(
        matches!(store.update_profile(other.id, "Other", Some("edward@example.org")).await, Err(StoreError::Conflict(_))),
        "emails are unique"
    );
}

pub async fn delete_user(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut written = post("By a leaver");
    written.author_name = Some("Leaver".into());
    let mut commented = post("Discussed");
    let mut by_account = reader_comment("signed in");
    let leaver = {
        let created = store.create_post(written).await.expect("post");
        created.author
    };
    by_account.user_id = Some(leaver.id);
    commented.comments = vec![by_account];
    let discussed = store.create_post(commented).await.expect("post");
    let stays = store.create_user(new_user("stays", Role::Editor)).await.expect("create");
    store.create_session("session-hash", leaver.id, Timestamp::now() + SignedDuration::from_hours(1)).await.expect("session");

    assert!(matches!(store.delete_user(leaver.id, leaver.id).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.delete_user(leaver.id, 999_999).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.delete_user(leaver.id, stays.id).await.expect("delete"), 1, "one post moved");
    assert!(store.user_by_id(leaver.id).await.expect("read").is_none());
    let moved = store.post_by_slug(PostKind::Post, "by-a-leaver").await.expect("read").expect("post");
    assert_eq!(moved.author.id, stays.id);
    assert!(store.session_user("session-hash", Timestamp::now()).await.expect("read").is_none(), "signed out");
    let comments = store.list_comments(&CommentQuery { post: Some(discussed.id), page: 1, per_page: 10, ..CommentQuery::default() }).await;
    let comment = comments.expect("comments").items.remove(0);
    assert_eq!((comment.user_id, comment.author_name.as_deref()), (None, Some("Reader")), "the comment stays, by name");
}

pub async fn sessions_start_find_and_end(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let ed = store.create_user(new_user("ed", Role::Editor)).await.expect("create");
    let now = Timestamp::now();
    store.create_session("hash-a", ed.id, now + SignedDuration::from_hours(1)).await.expect("session");
    store.create_session("hash-b", ed.id, now + SignedDuration::from_hours(1)).await.expect("session");
    store.create_session("hash-old", ed.id, now - SignedDuration::from_hours(1)).await.expect("session");
    assert_eq!(store.session_user("hash-a", now).await.expect("read").map(|u| u.id), Some(ed.id));
    assert!(store.session_user("hash-old", now).await.expect("read").is_none(), "expired");
    assert!(store.session_user("hash-none", now).await.expect("read").is_none());
    store.end_other_sessions(ed.id, "hash-a").await.expect("end others");
    assert!(store.session_user("hash-b", now).await.expect("read").is_none());
    store.delete_session("hash-a").await.expect("log out");
    assert!(store.session_user("hash-a", now).await.expect("read").is_none());
}

pub async fn login_failures_count_and_clear(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let now = Timestamp::now();
    let old = now - SignedDuration::from_mins(30);
    store.note_login_failure("account:1", old).await.expect("note");
    store.note_login_failure("account:1", now).await.expect("note");
    store.note_login_failure("account:1", now).await.expect("note");
    store.note_login_failure("account:2", now).await.expect("note");
    let (count, oldest) = store.login_failures("account:1", now - SignedDuration::from_mins(15)).await.expect("count");
    assert_eq!((count, oldest.map(|t| t.as_second())), (2, Some(now.as_second())), "only the window counts");
    store.clear_login_failures("account:1").await.expect("clear");
    assert_eq!(store.login_failures("account:1", old).await.expect("count").0, 0);
    assert_eq!(store.login_failures("account:2", old).await.expect("count").0, 1, "other keys untouched");
}

pub async fn application_passwords(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let ed = store.create_user(new_user("ed", Role::Editor)).await.expect("create");
    let made = store.create_app_password(ed.id, "MarsEdit", "phc-1").await.expect("create");
    store.create_app_password(ed.id, "Phone", "phc-2").await.expect("create");
    let listed = store.app_passwords(ed.id).await.expect("list");
    assert_eq!(listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().len(), 2);
    assert!(listed.iter().all(|p| p.last_used_at.is_none()));
    let hashes = store.app_password_hashes(ed.id).await.expect("hashes");
    assert!(hashes.contains(&(made.id, "phc-1".to_string())));
    let used = Timestamp::from_second(1_700_000_000).expect("time");
    store.touch_app_password(made.id, used).await.expect("touch");
    let touched = store.app_passwords(ed.id).await.expect("list").into_iter().find(|p| p.id == made.id).expect("kept");
    assert_eq!(touched.last_used_at, Some(used));
    let other = store.create_user(new_user("other", Role::Author)).await.expect("create");
    assert!(!store.revoke_app_password(other.id, made.id).await.expect("revoke"), "only its owner revokes it");
    assert!(store.revoke_app_password(ed.id, made.id).await.expect("revoke"));
    assert_eq!(store.app_password_hashes(ed.id).await.expect("hashes").len(), 1);
}

pub async fn import_sessions_write_all_or_nothing(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let (item, media) = imported_post_and_photo("Imported", "<p>Old</p>", "<p>Old</p>");
    // Dropped without finishing: nothing stays.
    let mut session = store.begin_import().await.expect("begin");
    session
        .author(&ImportAuthor { login: "admin".into(), display_name: "Admin".into(), email: None, wp_id: Some(1) })
        .await
        .expect("author");
    session.post(&item).await.expect("post");
    drop(session);
    assert!(store.is_empty().await.expect("empty"));
    // Finished: the post, its meta, the media and the old addresses are there.
    let mut session = store.begin_import().await.expect("begin");
    let id = session.post(&item).await.expect("post");
    session.media(&media).await.expect("media");
    session.redirect("/?p=7", &RedirectTarget::Post("wxr:old:post:7".into())).await.expect("redirect");
    session.redirect("/old/photo/", &RedirectTarget::Url("https://old.example/photo.jpg".into())).await.expect("redirect");
    session.finish().await.expect("finish");
    assert_eq!(id, 7, "the old id is kept when free");
    assert_eq!(store.meta("post", id).await.expect("meta"), [("_thumbnail_id".to_string(), "9".to_string())]);
    let stored = store.media().await.expect("media");
    assert_eq!(stored.iter().map(|m| (m.post_id, m.url.as_str())).collect::<Vec<_>>(), [(Some(7), "https://old.example/photo.jpg")]);
    assert_eq!(store.redirect_for("/?p=7").await.expect("redirect"), Some(Redirect::Post(7)));
    assert_eq!(store.redirect_for("/old/photo/").await.expect("redirect"), Some(Redirect::Url("https://old.example/photo.jpg".into())));
    assert_eq!(store.redirect_for("/never/").await.expect("redirect"), None);
}

pub async fn watch_changes_hears_every_committed_write(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut watch = store.watch_changes().await.expect("watch");
    if db == Db::Sqlite {
        assert!(!watch.look().await.expect("look"), "nothing written yet");
    }
    // Another process's write (a connection of its own) is heard within a second.
    test.execute("INSERT INTO settings (name, value) VALUES ('from_elsewhere', '1')").await;
    tokio::time::timeout(std::time::Duration::from_secs(1), watch.changed()).await.expect("heard within a second").expect("watch");
    // This process's own write too.
    store.create_post(post("Heard")).await.expect("create");
    tokio::time::timeout(std::time::Duration::from_secs(1), watch.changed()).await.expect("heard within a second").expect("watch");
    if db == Db::Sqlite {
        // Asked at once, SQLite answers from the file.
        store.set_setting("again", "1").await.expect("write");
        assert!(watch.look().await.expect("look"), "the write is seen");
        assert!(!watch.look().await.expect("look"), "and only once");
        assert!(!store.mark_changes("m").await.expect("mark"), "SQLite pushes no notices to mark");
    } else {
        // A mark comes after the notices of everything committed before it was sent.
        store.set_setting("before_mark", "1").await.expect("write");
        assert!(store.mark_changes("m1").await.expect("mark"));
        let within = std::time::Duration::from_secs(1);
        let mut data_before_mark = 0;
        loop {
            match tokio::time::timeout(within, watch.changed()).await.expect("heard within a second").expect("watch") {
                Change::Data => data_before_mark += 1,
                Change::Mark(mark) => {
                    assert_eq!(mark, "m1");
                    break;
                }
            }
        }
        assert!(data_before_mark >= 1, "the write's notice comes before the mark");
    }
}

pub async fn next_scheduled_is_the_earliest_future_post(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let now: Timestamp = "2024-06-01T00:00:00Z".parse().expect("time");
    assert_eq!(store.next_scheduled(now).await.expect("read"), None);
    for (title, at, status) in [
        ("Past", "2024-05-01T00:00:00Z", PostStatus::Published),
        ("Later", "2024-07-01T00:00:00Z", PostStatus::Scheduled),
        ("Sooner", "2024-06-02T00:00:00Z", PostStatus::Scheduled),
        ("Draft", "2024-06-01T12:00:00Z", PostStatus::Draft),
    ] {
        let mut post = post(title);
        post.write.status = status;
        post.write.published_at = at.parse().expect("time");
        store.create_post(post).await.expect("create");
    }
    assert_eq!(store.next_scheduled(now).await.expect("read"), Some("2024-06-02T00:00:00Z".parse().expect("time")));
    assert_eq!(
        store.next_scheduled("2024-06-02T00:00:00Z".parse().expect("t")).await.expect("read"),
        Some("2024-07-01T00:00:00Z".parse().expect("t"))
    );
}

pub async fn comment_tree_and_comments_by_ids(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let on = store.create_post(post("Threads")).await.expect("post");
    let at = |minute: i64| "2024-05-02T00:00:00Z".parse::<Timestamp>().expect("time") + SignedDuration::from_mins(minute);
    let first = store.create_comment(on.id, None, NewComment { created_at: at(1), ..reader_comment("first") }).await.expect("c");
    let reply = store.create_comment(on.id, Some(first.id), NewComment { created_at: at(2), ..reader_comment("reply") }).await.expect("c");
    let held = NewComment { created_at: at(3), status: CommentStatus::Pending, ..reader_comment("held") };
    store.create_comment(on.id, None, held).await.expect("held");
    let note = NewComment { created_at: at(4), kind: CommentKind::Note, ..reader_comment("editor's note") };
    store.create_comment(on.id, None, note).await.expect("note");
    let second = store.create_comment(on.id, None, NewComment { created_at: at(5), ..reader_comment("second") }).await.expect("c");

    // The shape of the approved threads, oldest first, without notes or held comments.
    let tree = store.comment_tree(on.id, CommentStatus::Approved).await.expect("tree");
    let shape = |tree: &[CommentNode]| tree.iter().map(|n| (n.id, n.parent_id)).collect::<Vec<_>>();
    assert_eq!(shape(&tree), vec![(first.id, None), (reply.id, Some(first.id)), (second.id, None)]);
    assert_eq!(store.comment_tree(on.id, CommentStatus::Pending).await.expect("tree").len(), 1);

    // Every change to a comment's row raises its revision, whoever makes it: the store's own
    // writes and SQL from another connection alike. The others keep theirs.
    let revision = |tree: &[CommentNode], id| tree.iter().find(|n| n.id == id).map(|n| n.revision).expect("in the tree");
    store.update_comment_body(reply.id, "reply, edited").await.expect("edit");
    let edited = store.comment_tree(on.id, CommentStatus::Approved).await.expect("tree");
    assert!(revision(&edited, reply.id) > revision(&tree, reply.id));
    assert_eq!((revision(&edited, first.id), revision(&edited, second.id)), (revision(&tree, first.id), revision(&tree, second.id)));
    test.execute(&format!("UPDATE comments SET author_name = 'Renamed' WHERE id = {}", first.id)).await;
    let renamed = store.comment_tree(on.id, CommentStatus::Approved).await.expect("tree");
    assert!(revision(&renamed, first.id) > revision(&edited, first.id));
    assert_eq!(revision(&renamed, reply.id), revision(&edited, reply.id));

    // Rows by id, oldest first whatever order they are asked in; unknown ids are left out.
    let rows = store.comments_by_ids(&[second.id, first.id, 999_999]).await.expect("rows");
    assert_eq!(rows.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), ["first", "second"]);
    assert!(store.comments_by_ids(&[]).await.expect("rows").is_empty());
}

/// Comment lists come from the database as one JSON value (`json_rows` in the store): every
/// field, and any character a commenter can type, come back as written.
pub async fn comment_lists_keep_every_field_and_character(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let on = store.create_post(post("Quoting")).await.expect("post");
    let account = store.create_user(new_user("signed-in", Role::Author)).await.expect("user");
    let body = "\"Quotes\", back\\slash, tab\tnew\nline, \u{1}control, Díaz-Canel 🇨🇺 </script> ${x} '--";
    let written = NewComment {
        author_url: Some("https://example.org/?a=1&b=\"2\"".into()),
        user_agent: Some("Agent/1.0 (\\)".into()),
        moderation_reason: Some("held: 3 links".into()),
        spam_score: Some(0.25),
        notify: true,
        user_id: Some(account.id),
        ..reader_comment(body)
    };
    let first = store.create_comment(on.id, None, written).await.expect("comment");
    let reply = store.create_comment(on.id, Some(first.id), reader_comment("")).await.expect("reply");
    let one = store.comment_by_id(first.id).await.expect("read").expect("found");
    assert_eq!(one.body, body);
    let by_ids = store.comments_by_ids(&[reply.id, first.id]).await.expect("by ids");
    assert_eq!(by_ids, vec![one.clone(), store.comment_by_id(reply.id).await.expect("read").expect("found")]);
    let for_post = store.comments_for_post(on.id, CommentStatus::Approved).await.expect("for post");
    assert_eq!(for_post, by_ids);
    assert_eq!(for_post[1].parent_id, Some(first.id));
    assert!(store.comments_for_post(on.id, CommentStatus::Spam).await.expect("none").is_empty());
}

/// An imported post (old id 7, published 2020-01-01, by "admin", titled `title`, its featured
/// image the attachment 9) and that attachment, a photo at `https://old.example/photo.jpg`.
pub(crate) fn imported_post_and_photo(title: &str, body_source: &str, body_html: &str) -> (ImportPost, ImportMedia) {
    let when: jiff::Timestamp = "2020-01-01T00:00:00Z".parse().expect("time");
    let post = ImportPost {
        write: PostWrite {
            title: title.into(),
            slug: title.to_lowercase(),
            body_source: body_source.into(),
            body_html: body_html.into(),
            status: PostStatus::Published,
            published_at: when,
            ..PostWrite::new_draft(PostKind::Post, 0, BodyFormat::Html)
        },
        source_key: "wxr:old:post:7".into(),
        wanted_id: Some(7),
        updated_at: when,
        author_login: "admin".into(),
        parent_source_key: None,
        categories: vec![],
        tags: vec![],
        meta: vec![("_thumbnail_id".into(), "9".into())],
    };
    let media = ImportMedia {
        source_key: "wxr:old:post:9".into(),
        wanted_id: Some(9),
        parent_source_key: Some("wxr:old:post:7".into()),
        title: "Photo".into(),
        url: "https://old.example/photo.jpg".into(),
        mime_type: Some("image/jpeg".into()),
        created_at: when,
        meta: vec![],
    };
    (post, media)
}
