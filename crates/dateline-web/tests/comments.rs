//! Reader comments over HTTP: posting, threading, moderation, closing, abuse, feeds, mail.

use axum::http::StatusCode;
use dateline_core::{CommentQuery, CommentStatus};
use dateline_testkit::Db;
use serde_json::json;

use crate::support::*;

const RECENT: &str = "2020-01-01T00:00:00Z";

async fn open_post(app: &TestApp, title: &str) -> String {
    let post = app.post(&post_json(title, RECENT, json!({}))).await;
    app.permalink(&post)
}

async fn stored(app: &TestApp, status: CommentStatus) -> Vec<dateline_core::Comment> {
    let query = CommentQuery { status: Some(status), post: None, page: 1, per_page: 1000, ..CommentQuery::default() };
    app.test_store.dyn_store().list_comments(&query).await.expect("list").items
}

pub async fn reader_posts_a_comment_and_sees_it(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let path = open_post(&app, "Harbor budget").await;
    let form = app.get(&path).await.html();
    for field in ["author", "email", "url", "comment", "comment_parent", "comment_post_ID", "_token", "website_confirm"] {
        assert_eq!(texts(&form, &format!("form#commentform [name={field}]")).len(), 1, "field {field}");
    }
    assert_eq!(attr(&form, "form#commentform", "action"), "/comments");
    let location = app.comment(&path, "Ann Reader", "I *agree*, see [the story](https://example.com/s).", None).await;
    let id = comment_id(&location);
    assert_eq!(location, format!("{path}#comment-{id}"));
    let page = app.get(&path).await.html();
    assert_eq!(text(&page, ".comments-title"), "1 thought on “Harbor budget”");
    assert_eq!(text(&page, &format!("#comment-{id} .comment-author")), "Ann Reader");
    assert_eq!(text(&page, &format!("#comment-{id} .comment-content")), "I agree, see the story.");
    assert_eq!(attr(&page, &format!("#comment-{id} .comment-content a"), "rel"), "nofollow ugc noopener");
    app.comment(&path, "Bo", "Second.", None).await;
    assert_eq!(text(&app.get(&path).await.html(), ".comments-title"), "2 thoughts on “Harbor budget”");
    let stored = stored(&app, CommentStatus::Approved).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].author_ip.as_deref(), Some("192.0.2.10"));
}

pub async fn replies_thread_to_the_configured_depth(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.thread_depth = 2).build().await else { return };
    let path = open_post(&app, "Threads").await;
    let top = comment_id(&app.comment(&path, "Ann", "Top.", None).await);
    let page = app.get(&path).await.html();
    assert_eq!(attr(&page, &format!("#comment-{top} .comment-reply-link"), "href"), format!("{path}?replytocom={top}#respond"));
    let reply_form = app.get(&format!("{path}?replytocom={top}")).await.html();
    assert_eq!(text(&reply_form, "#reply-title").split(" Cancel").next().expect("title"), "Reply to Ann");
    assert_eq!(attr(&reply_form, "#comment_parent", "value"), top.to_string());
    let reply = comment_id(&app.comment(&path, "Bo", "Reply.", Some(top)).await);
    // Replying to a comment at the deepest level joins that level instead of going deeper.
    let deeper = comment_id(&app.comment(&path, "Cy", "Deeper?", Some(reply)).await);
    let page = app.get(&path).await.html();
    assert_eq!(texts(&page, "ol.comment-list > li").len(), 1, "one thread");
    assert_eq!(texts(&page, &format!("#comment-{top} > ol.children > li")).len(), 2);
    assert!(texts(&page, &format!("#comment-{reply} .comment-reply-link")).is_empty(), "no Reply at the deepest level");
    let comment = app.test_store.dyn_store().comment_by_id(deeper).await.expect("read").expect("exists");
    assert_eq!(comment.parent_id, Some(top));
    assert_eq!(text(&page, ".comments-title"), "3 thoughts on “Threads”");
}

pub async fn held_comments_show_only_to_their_author(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.require_prior_approval = true).build().await else { return };
    let path = open_post(&app, "Held").await;
    let location = app.comment(&path, "New Person", "My first words here.", None).await;
    assert!(location.contains("?unapproved="), "{location}");
    assert!(location.contains("&moderation-hash="), "{location}");
    let id = comment_id(&location);
    let mine = app.get(location.split('#').next().expect("url")).await.html();
    assert_eq!(
        text(&mine, &format!("#comment-{id} .comment-awaiting-moderation")),
        "Your comment is awaiting moderation. Only you can see it until it is approved."
    );
    assert!(texts(&mine, ".comments-title").is_empty(), "held comments are not counted");
    let public = app.get(&path).await.html();
    assert!(texts(&public, &format!("#comment-{id}")).is_empty(), "others do not see it");
    let forged = app.get(&format!("{path}?unapproved={id}&moderation-hash=AAAAAAAAAAAAAAAAAAAAAAAA")).await.html();
    assert!(texts(&forged, &format!("#comment-{id}")).is_empty(), "a forged hash shows nothing");
    let held = stored(&app, CommentStatus::Pending).await;
    assert_eq!(held[0].moderation_reason.as_deref().map(|r| r.starts_with("first comment from this commenter")), Some(true));
    let feed = rss::Channel::read_from(app.get("/comments/feed/").await.body.as_bytes()).expect("rss");
    assert!(feed.items().is_empty(), "held comments are not fed");
}

pub async fn failed_comments_keep_what_was_typed(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.max_comment_length = 100).build().await else { return };
    let path = open_post(&app, "Forms").await;
    let session = app.open_form(&path).await;
    // (fields sent, the field blamed, the message)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 4] = [
        (&[("author", ""), ("email", "a@example.org"), ("comment", "Keep me")], "author", "Please give your name."),
        (&[("author", "Ann"), ("email", "not-an-email"), ("comment", "Keep me")], "email", "“not-an-email” is not an email address."),
        (
            &[("author", "Ann"), ("email", "a@example.org"), ("url", "javascript:alert(1)"), ("comment", "Keep me")],
            "url",
            "The website must be an http:// or https:// address.",
        ),
        (
            &[("author", "Ann"), ("email", "a@example.org"), ("comment", &"x".repeat(150))],
            "comment",
            "Your comment is 150 characters long; the limit is 100. Please shorten it.",
        ),
    ];
    for (fields, field, message) in cases {
        let response = app.submit_comment(&session, fields).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = response.html();
        assert_eq!(text(&html, "#comment-error"), message);
        assert_eq!(attr(&html, &format!("#commentform [name={field}]"), "aria-invalid"), "true");
        // The field to fix takes the focus (the only one that does), and the title says "Error".
        assert_eq!(texts(&html, "#commentform [autofocus]").len(), 1, "{field}");
        assert!(!texts(&html, &format!("#commentform [name={field}][autofocus]")).is_empty() || field == "comment", "{field}");
        assert!(text(&html, "title").starts_with("Error: Forms"), "{}", text(&html, "title"));
        let typed = fields.iter().find(|(k, _)| *k == "comment").map(|(_, v)| *v).unwrap_or_default();
        assert_eq!(text(&html, "#commentform textarea[name=comment]"), typed, "the comment is kept");
        if field != "email" {
            assert_eq!(
                attr(&html, "#commentform [name=email]", "value"),
                fields.iter().find(|(k, _)| *k == "email").map(|(_, v)| *v).unwrap_or_default()
            );
        }
    }
    assert!(stored(&app, CommentStatus::Approved).await.is_empty(), "nothing stored");
}

pub async fn forms_without_a_valid_token_are_refused(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let path = open_post(&app, "Tokens").await;
    let session = app.open_form(&path).await;
    let fields =
        [("comment_post_ID", session.post_id.as_str()), ("author", "Ann"), ("email", "a@example.org"), ("comment", "Typed with care")];
    for (cookie, token) in
        [(session.cookie.as_str(), ""), ("dateline_csrf=someone-elses-cookie-value", session.token.as_str()), ("", session.token.as_str())]
    {
        let mut all = fields.to_vec();
        all.push(("_token", token));
        let response = app.post_form("/comments", cookie, &all).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
        let html = response.html();
        assert!(text(&html, "#comment-error").starts_with("This form has expired or was not sent from this site."));
        assert_eq!(text(&html, "#commentform textarea[name=comment]"), "Typed with care");
    }
    assert!(stored(&app, CommentStatus::Approved).await.is_empty());
    let malformed = app
        .send(
            axum::http::Request::post("/comments")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{}"))
                .expect("request"),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&malformed.html(), "h1"), "Bad request");
    // A field sent twice is read (the first value), not refused: the text is kept.
    let twice = app
        .post_form(
            "/comments",
            &session.cookie,
            &[("comment_post_ID", &session.post_id), ("author", "a"), ("author", "b"), ("comment", "Typed twice over")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::FORBIDDEN, "no token, but the form was read");
    assert_eq!(text(&twice.html(), "#commentform textarea[name=comment]"), "Typed twice over");
    let unknown = app.post_form("/comments", &session.cookie, &[("comment_post_ID", "9999"), ("comment", "x")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

pub async fn closed_posts_take_no_comments(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.close_old_posts = true).build().await else { return };
    let now = jiff::Timestamp::now();
    let recent = (now - jiff::SignedDuration::from_hours(24 * 2)).to_string();
    let old = (now - jiff::SignedDuration::from_hours(24 * 30)).to_string();
    let open = app.permalink(&app.post(&post_json("Fresh", &recent, json!({}))).await);
    let aged = app.permalink(&app.post(&post_json("Aged", &old, json!({}))).await);
    let by_hand = app.permalink(&app.post(&post_json("Shut", &recent, json!({"comment_status": "closed"}))).await);
    assert_eq!(texts(&app.get(&open).await.html(), "form#commentform").len(), 1);
    for path in [&aged, &by_hand] {
        let html = app.get(path).await.html();
        assert!(texts(&html, "form#commentform").is_empty(), "{path}");
        assert_eq!(text(&html, ".comments-closed"), "Comments are closed.");
    }
    // A form opened before the post closed: refused, and the text is handed back.
    let session = app.open_form(&open).await;
    let aged_id = app.test_store.dyn_store().post_by_slug(dateline_core::PostKind::Post, "aged").await.expect("read").expect("aged").id;
    let token = session.token.clone();
    let cookie = session.cookie.clone();
    let response = app
        .post_form(
            "/comments",
            &cookie,
            &[
                ("comment_post_ID", &aged_id.to_string()),
                ("_token", &token),
                ("author", "A"),
                ("email", "a@example.org"),
                ("comment", "Too late"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "a token for another post is not valid either");
    assert!(stored(&app, CommentStatus::Approved).await.is_empty());
}

pub async fn closing_by_age_is_decided_per_request(db: Db) {
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.discussion.close_old_posts = true;
            c.discussion.close_after_days = 14
        })
        .build()
        .await
    else {
        return;
    };
    let now = jiff::Timestamp::now();
    let path =
        app.permalink(&app.post(&post_json("Almost", &(now - jiff::SignedDuration::from_hours(24 * 13)).to_string(), json!({}))).await);
    let session = app.open_form(&path).await;
    let response = app.submit_comment(&session, &[("author", "A"), ("email", "a@example.org"), ("comment", "Just in time")]).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
}

pub async fn bots_are_caught_and_hurried_comments_held(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.min_submit_seconds = 30).build().await else { return };
    let path = open_post(&app, "Bots").await;
    let session = app.open_form(&path).await;
    let honeypot = app
        .submit_comment(
            &session,
            &[("author", "Bot"), ("email", "b@example.org"), ("comment", "Great post"), ("website_confirm", "http://spam.example")],
        )
        .await;
    assert_eq!(honeypot.status, StatusCode::SEE_OTHER, "bots are not told");
    let fast = app.submit_comment(&session, &[("author", "Speedy"), ("email", "s@example.org"), ("comment", "Instant reply")]).await;
    assert_eq!(fast.status, StatusCode::SEE_OTHER);
    let spam = stored(&app, CommentStatus::Spam).await;
    let reasons: Vec<_> = spam.iter().filter_map(|c| c.moderation_reason.clone()).collect();
    assert_eq!(reasons, ["the hidden honeypot field was filled in"]);
    // Too fast to be typed: held for a moderator with the reason, not thrown into spam (a
    // reader with autofill can be that fast). The seconds depend on this machine's speed.
    let held = stored(&app, CommentStatus::Pending).await;
    let reasons: Vec<_> = held.iter().filter_map(|c| c.moderation_reason.clone()).collect();
    let quick = too_fast_seconds(&reasons);
    assert!(quick.is_some_and(|seconds| seconds < 30), "{reasons:?}");
    assert!(
        text(&app.get(fast.header("location")).await.html(), ".comment-awaiting-moderation")
            .starts_with("Your comment is awaiting moderation")
    );
    assert!(texts(&app.get(&path).await.html(), "ol.comment-list").is_empty(), "spam is not shown");
}

pub async fn moderation_rules_hold_or_spam_with_reasons(db: Db) {
    let Some(app) = TestApp::builder(db)
        .config(|c| {
            c.discussion.moderation_words = vec!["refund".into()];
            c.discussion.disallowed_words = vec!["casino".into()];
        })
        .build()
        .await
    else {
        return;
    };
    let path = open_post(&app, "Rules").await;
    app.comment(&path, "Links", "See https://a.example and https://b.example for more.", None).await;
    app.comment(&path, "Word", "I want a refund for this take.", None).await;
    app.comment(&path, "Casino Fan", "Visit my casino.", None).await;
    app.comment(
        &path,
        "Spammer",
        "Buy cheap viagra cialis pills at our pharmacy, click https://a.example https://b.example https://c.example",
        None,
    )
    .await;
    let pending = stored(&app, CommentStatus::Pending).await;
    let reason = |name: &str, list: &[dateline_core::Comment]| {
        list.iter().find(|c| c.author_name.as_deref() == Some(name)).and_then(|c| c.moderation_reason.clone()).unwrap_or_default()
    };
    assert!(reason("Links", &pending).starts_with("2 links (comments with 2 or more are held)"), "{}", reason("Links", &pending));
    assert_eq!(reason("Word", &pending), "moderation word “refund” in the comment");
    let spam = stored(&app, CommentStatus::Spam).await;
    assert_eq!(reason("Casino Fan", &spam), "disallowed word “casino” in the comment");
    let why = reason("Spammer", &spam);
    assert!(why.starts_with("spam score ") && why.contains("viagra"), "{why}");
}

pub async fn rate_limit_and_duplicates_answer_with_the_text_kept(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.rate_limit_count = 2).build().await else { return };
    let path = open_post(&app, "Limits").await;
    let session = app.open_form(&path).await;
    let send = |text: &'static str| {
        let session = &session;
        let app = &app;
        async move { app.submit_comment(session, &[("author", "Ann"), ("email", "a@example.org"), ("comment", text)]).await }
    };
    assert_eq!(send("One").await.status, StatusCode::SEE_OTHER);
    let duplicate = send("One").await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(text(&duplicate.html(), "#comment-error"), "Duplicate comment detected; it looks as though you’ve already said that!");
    assert_eq!(send("Two").await.status, StatusCode::SEE_OTHER, "refused attempts do not count toward the limit");
    let limited = send("Three").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.header("retry-after").parse().expect("Retry-After seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(text(&limited.html(), "#commentform textarea[name=comment]"), "Three");
    assert_eq!(stored(&app, CommentStatus::Approved).await.len(), 2, "each stored exactly once");
}

pub async fn oversized_requests_are_refused_clearly(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let path = open_post(&app, "Big").await;
    let session = app.open_form(&path).await;
    let huge = "x".repeat(dateline_web::MAX_REQUEST_BODY + 1);
    let response = app.submit_comment(&session, &[("author", "A"), ("email", "a@example.org"), ("comment", &huge)]).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(text(&response.html(), "h1"), "Too large");
    assert!(stored(&app, CommentStatus::Approved).await.is_empty());
}

pub async fn comments_paginate(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.comments_per_page = 2).build().await else { return };
    let path = open_post(&app, "Paged").await;
    let mut ids = Vec::new();
    for n in 1..=5 {
        ids.push(comment_id(&app.comment(&path, &format!("Reader {n}"), &format!("Comment number {n}."), None).await));
    }
    let first = app.get(&path).await.html();
    assert_eq!(texts(&first, "ol.comment-list > li .comment-author"), ["Reader 1", "Reader 2"]);
    assert_eq!(attr(&first, ".comment-navigation a.newer", "href"), format!("{path}comment-page-2/#comments"));
    let last = app.get(&format!("{path}comment-page-3/")).await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(texts(&last.html(), "ol.comment-list > li .comment-author"), ["Reader 5"]);
    assert_eq!(attr(&last.html(), "ol.comment-list", "class"), "comment-list");
    assert_eq!(app.get(&format!("{path}comment-page-4/")).await.status, StatusCode::NOT_FOUND);
    // A new comment on a later page sends its author there.
    let location = app.comment(&path, "Reader 6", "Comment number 6.", None).await;
    assert!(location.starts_with(&format!("{path}comment-page-3/#comment-")), "{location}");
}

pub async fn newest_first_order_is_honoured(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.comment_order = dateline_core::config::CommentOrder::Newest).build().await
    else {
        return;
    };
    let path = open_post(&app, "Order").await;
    for n in 1..=3 {
        app.comment(&path, &format!("Reader {n}"), &format!("Number {n}."), None).await;
    }
    assert_eq!(texts(&app.get(&path).await.html(), "ol.comment-list > li .comment-author"), ["Reader 3", "Reader 2", "Reader 1"]);
}

pub async fn comment_feeds_carry_approved_public_comments(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let path = open_post(&app, "Fed").await;
    app.comment(&path, "Ann", "Fed *comment*.", None).await;
    // Control characters would make the feed invalid XML (and drive a terminal): dropped.
    app.comment(&path, "Esc\u{1b}[31mRED\u{7}", "Bell\u{7} and \u{1b}[2J escape", None).await;
    let cleaned = stored(&app, CommentStatus::Approved).await;
    assert!(cleaned.iter().any(|c| c.body == "Bell and [2J escape" && c.author_name.as_deref() == Some("Esc[31mRED")), "{cleaned:?}");
    let private = app
        .post(&post_json("Secret", RECENT, json!({"status": "private", "comments": [{"author": "Insider", "body": "Hidden words"}]})))
        .await;
    assert_eq!(private.comment_count, 1);
    let feed = rss::Channel::read_from(app.get(&format!("{path}feed/")).await.body.as_bytes()).expect("post comment feed");
    assert_eq!(feed.title(), "Comments on: Fed");
    assert_eq!(feed.items().len(), 2);
    let ann = feed.items().iter().find(|i| i.title() == Some("Comment on Fed by Ann")).expect("Ann's comment");
    assert!(ann.description().expect("html").contains("<em>comment</em>"));
    let site = app.get("/comments/feed/").await;
    assert_eq!(site.status, StatusCode::OK);
    let site = rss::Channel::read_from(site.body.as_bytes()).expect("site comment feed");
    assert_eq!(site.items().len(), 2, "the private post's comment is not fed");
    let head = app.get(&path).await.html();
    assert_eq!(attr(&head, "link[rel=alternate][href$='/feed/'][title*='Comments']", "href"), format!("http://dateline.test{path}feed/"));
}

pub async fn notifications_go_out_by_smtp(db: Db) {
    let sink = dateline_testkit::smtp::SmtpSink::start().await;
    let Some(app) = TestApp::builder(db)
        .smtp(sink.port)
        .config(|c| {
            c.discussion.notify_moderators = vec!["editor@example.org".into()];
            c.discussion.hold_link_count = 1;
        })
        .build()
        .await
    else {
        return;
    };
    let path = open_post(&app, "Mail").await;
    // A held comment: the moderators hear about it, with the reason.
    app.comment(&path, "Linker", "Look at https://example.com/x", None).await;
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, ["editor@example.org"]);
    assert!(mails[0].data.contains("Please moderate"), "{}", mails[0].data);
    assert!(mails[0].data.contains("1 links (comments with 1 or more are held)"), "{}", mails[0].data);

    // A subscriber hears about a reply, and one click ends it.
    let session = app.open_form(&path).await;
    let response = app
        .submit_comment(
            &session,
            &[("author", "Sub"), ("email", "sub@example.org"), ("comment", "Tell me about replies."), ("subscribe", "1")],
        )
        .await;
    let parent = comment_id(response.header("location"));
    app.comment(&path, "Replier", "Here is a reply.", Some(parent)).await;
    let mails = sink.wait_for(2).await;
    let reply_mail = mails.iter().find(|m| m.to == ["sub@example.org"]).expect("reply notification");
    assert!(reply_mail.data.contains("Replier replied to your comment"), "{}", reply_mail.data);
    let header = reply_mail.data.lines().find(|l| l.starts_with("List-Unsubscribe:")).expect("List-Unsubscribe");
    let url = header.trim_start_matches("List-Unsubscribe: <").trim_end_matches('>');
    let path_and_query = url.trim_start_matches("http://dateline.test");
    let done = app.get(path_and_query).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(text(&done.html(), "main").contains("no more emails about replies"));
    let forged = app.get(&path_and_query.replace("&t=", "&t=x")).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    app.comment(&path, "Again", "Another reply.", Some(parent)).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.received().iter().filter(|m| m.to == ["sub@example.org"]).count(), 1, "no mail after unsubscribing");
}

/// The seconds in a "sent N s after the form was shown (people take at least 30 s)" reason
/// (other reasons may follow it).
fn too_fast_seconds(reasons: &[String]) -> Option<u64> {
    reasons.iter().find_map(|reason| {
        let rest = reason.strip_prefix("sent ")?;
        let (seconds, tail) = rest.split_once(" s after the form was shown")?;
        tail.starts_with(" (people take at least 30 s)").then_some(())?;
        seconds.parse().ok()
    })
}

pub async fn signed_in_people_comment_as_their_account(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.discussion.min_submit_seconds = 30).build().await else { return };
    const PASSWORD: &str = "a long enough password";
    app.user("marta", dateline_core::Role::Author, PASSWORD).await;
    app.user("cora", dateline_core::Role::Contributor, PASSWORD).await;
    let post = app.post(&post_json("Signed", RECENT, json!({"author": "marta"}))).await;
    let path = app.permalink(&post);

    // The post's author: the form knows her, asks for no name or email, and trusts her at once
    // (even faster than the bot timer allows).
    let marta = app.login("marta", PASSWORD).await.expect("login");
    let page = app.get_as(&path, &marta).await.html();
    assert!(text(&page, ".logged-in-as").starts_with("Logged in as marta."), "{}", text(&page, ".logged-in-as"));
    assert!(texts(&page, "#commentform input[name=author]").is_empty(), "no name field for an account");
    let token = attr(&page, "input[name=_token]", "value");
    let post_id = post.id.to_string();
    let sent = app
        .post_form(
            "/comments",
            &marta,
            &[("comment_post_ID", &post_id), ("_token", &token), ("comment", "Update: the vote is on Friday."), ("author", "Someone Else")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(
        sent.header("location").contains("#comment-") && !sent.header("location").contains("unapproved"),
        "{}",
        sent.header("location")
    );
    let approved = stored(&app, CommentStatus::Approved).await;
    assert_eq!(approved.len(), 1);
    let marta_id = app.test_store.dyn_store().user_credentials("marta").await.expect("read").expect("marta").0.id;
    assert_eq!(
        (approved[0].author_name.as_deref(), approved[0].author_email.as_deref(), approved[0].user_id),
        (Some("marta"), Some("marta@example.org"), Some(marta_id)),
        "the account, not the typed name"
    );
    let shown = app.get(&path).await.html();
    assert_eq!(texts(&shown, "li.bypostauthor .comment-content"), ["Update: the vote is on Friday."]);
    // An empty comment is refused with the account's form shown again.
    let empty = app.post_form("/comments", &marta, &[("comment_post_ID", &post_id), ("_token", &token), ("comment", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&empty.html(), ".logged-in-as").starts_with("Logged in as marta."));

    // A contributor is named by the account too, but screened like any reader (held, the
    // bot timer applies), and without the post author's mark.
    let cora = app.login("cora", PASSWORD).await.expect("login");
    let token = attr(&app.get_as(&path, &cora).await.html(), "input[name=_token]", "value");
    let sent = app.post_form("/comments", &cora, &[("comment_post_ID", &post_id), ("_token", &token), ("comment", "Quick thought.")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let held = stored(&app, CommentStatus::Pending).await;
    assert_eq!((held.len(), held[0].author_name.as_deref(), held[0].user_id.is_some()), (1, Some("cora"), true));
    assert!(held[0].moderation_reason.as_deref().is_some_and(|r| r.starts_with("sent ")), "{:?}", held[0].moderation_reason);

    // Logged out, the same cookie is just a reader's: the name and email are asked for again.
    let csrf = app.admin_csrf(&marta).await;
    assert_eq!(app.post_form("/admin/logout", &marta, &[("_csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&path, &marta).await.html();
    assert!(texts(&page, ".logged-in-as").is_empty());
    assert_eq!(texts(&page, "#commentform input[name=author]").len(), 1);
}
