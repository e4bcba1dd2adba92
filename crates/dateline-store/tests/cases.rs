//! Backend-neutral cases. Each takes the backend, builds a fresh store, and asserts what a
//! caller of the `Store` trait sees.

use dateline_core::*;
use dateline_testkit::{Db, fresh};
use jiff::{Timestamp, ToSpan};

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

pub(crate) fn new_post(title: &str, published_at: &str) -> NewPost {
    NewPost {
        write: PostWrite {
            title: title.to_string(),
            slug: dateline_core::slug::slugify(title),
            body_source: "Body".into(),
            body_html: "<p>Body</p>".into(),
            status: PostStatus::Published,
            published_at: at(published_at),
            discussion: Discussion::Open,
            ..PostWrite::new_draft(PostKind::Post, 0, dateline_core::BodyFormat::Markdown)
        },
        author_name: Some("Ana Writer".into()),
        categories: vec![],
        tags: vec![],
        comments: vec![],
    }
}

fn comment(body: &str, status: CommentStatus, parent_index: Option<usize>) -> NewComment {
    NewComment {
        kind: CommentKind::Comment,
        author_name: Some("Reader".into()),
        author_email: Some("reader@example.org".into()),
        author_url: None,
        author_ip: Some("192.0.2.1".into()),
        user_agent: Some("Test/1.0".into()),
        body: body.into(),
        body_format: dateline_core::BodyFormat::Markdown,
        status,
        created_at: at("2024-05-02T10:00:00Z"),
        moderation_reason: None,
        spam_score: None,
        notify: false,
        user_id: None,
        parent_index,
    }
}

fn stream(now: Timestamp) -> PostQuery {
    PostQuery { kind: PostKind::Post, filter: PostFilter::All, now, page: 1, per_page: 10, sticky_first: false }
}

fn titles(page: &Page<Post>) -> Vec<&str> {
    page.items.iter().map(|p| p.title.as_str()).collect()
}

pub async fn reopening_migrates_once(db: Db) {
    let Some(test) = fresh(db).await else { return };
    test.store.create_post(new_post("Kept", "2024-01-01T00:00:00Z")).await.expect("create");
    let again = dateline_store::SqlStore::open(&test.url).await.expect("reopen");
    assert!(!again.is_empty().await.expect("count"));
    again.close().await;
}

pub async fn post_round_trips_every_field(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    assert!(store.is_empty().await.expect("empty"));
    let mut post = new_post("Díaz-Canel meets Patrushev", "2022-04-21T13:45:07Z");
    post.write.dek = Some("A line of commentary".into());
    post.write.source = Some(Source {
        reporter: Some("Nora Gamez Torres".into()),
        outlet: Some("Miami Herald".into()),
        url: Some("https://example.com/story".into()),
        headline: Some("Trips of Putin’s men".into()),
        excerpt: vec!["First “quoted” paragraph.".into(), "Second.".into()],
        continue_reading_text: Some("Continue reading HERE.".into()),
        words: Some(1_250),
        archive_url: Some("https://web.archive.org/web/2022/https://example.com/story".into()),
    });
    // An override recorded by an account since deleted (who: unknown; when and how much kept).
    post.write.quote_override = Some(dateline_core::QuoteOverride { by: None, by_name: None, at: at("2022-04-21T14:00:00Z"), words: 420 });
    post.write.discussion = Discussion::Closed;
    post.categories = vec![vec!["World".into(), "Latin America".into()]];
    post.tags = vec!["Cuba".into(), "Russia".into()];
    post.comments = vec![comment("First", CommentStatus::Approved, None), comment("Reply", CommentStatus::Approved, Some(0))];
    let created = store.create_post(post).await.expect("create");

    let read = store.post_by_id(created.id).await.expect("read").expect("exists");
    assert_eq!(read, created);
    assert_eq!(read.slug, "diaz-canel-meets-patrushev");
    assert_eq!(read.published_at, at("2022-04-21T13:45:07Z"));
    assert_eq!(read.dek.as_deref(), Some("A line of commentary"));
    let source = read.source.as_ref().expect("source");
    assert_eq!(source.excerpt.len(), 2);
    assert_eq!(source.excerpt[0], "First “quoted” paragraph.");
    assert_eq!(source.words, Some(1_250), "the source's word count (the quote limit's percentage)");
    assert_eq!(read.quote_override.as_ref().map(|o| (o.at, o.words)), Some((at("2022-04-21T14:00:00Z"), 420)));
    assert_eq!(source.archive_url.as_deref(), Some("https://web.archive.org/web/2022/https://example.com/story"));
    assert_eq!(read.discussion, Discussion::Closed);
    assert_eq!(read.author.display_name, "Ana Writer");
    assert_eq!(read.author.slug, "ana-writer");
    assert_eq!(read.categories.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["latin-america"]);
    assert_eq!(read.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Cuba", "Russia"]);
    assert_eq!(read.comment_count, 2);

    let by_slug = store.post_by_slug(PostKind::Post, "diaz-canel-meets-patrushev").await.expect("read").expect("exists");
    assert_eq!(by_slug.id, created.id);
    assert!(store.post_by_slug(PostKind::Page, "diaz-canel-meets-patrushev").await.expect("read").is_none());

    let comments = store.comments_for_post(created.id, CommentStatus::Approved).await.expect("comments");
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[1].parent_id, Some(comments[0].id));
    assert_eq!(comments[0].author_ip.as_deref(), Some("192.0.2.1"));

    let world = store.term_by_slug(Taxonomy::Category, "world").await.expect("term").expect("exists");
    let latam = store.term_by_slug(Taxonomy::Category, "latin-america").await.expect("term").expect("exists");
    assert_eq!(latam.parent_id, Some(world.id));
}

pub async fn slugs_are_made_unique(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let a = store.create_post(new_post("Same title", "2024-01-01T00:00:00Z")).await.expect("a");
    let b = store.create_post(new_post("Same title", "2024-01-02T00:00:00Z")).await.expect("b");
    let mut page = new_post("Same title", "2024-01-03T00:00:00Z");
    page.write.kind = PostKind::Page;
    let c = store.create_post(page).await.expect("c");
    assert_eq!((a.slug.as_str(), b.slug.as_str(), c.slug.as_str()), ("same-title", "same-title-2", "same-title-3"));
    // Addresses the engine answers itself are not given to a page, however it is saved.
    let mut write = PostWrite::new_draft(PostKind::Page, a.author.id, BodyFormat::Markdown);
    write.title = "Search".into();
    write.slug = "search".into();
    assert_eq!(store.save_post(None, write).await.expect("save").slug, "search-2");
    let mut page = new_post("Static", "2024-01-04T00:00:00Z");
    page.write.kind = PostKind::Page;
    page.write.slug = "static".into();
    assert_eq!(store.create_post(page).await.expect("page").slug, "static-2");
}

pub async fn stream_shows_only_what_is_public_now(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let now = at("2024-06-01T00:00:00Z");
    store.create_post(new_post("Published", "2024-05-01T00:00:00Z")).await.expect("create");
    for (title, status, when) in [
        ("Draft", PostStatus::Draft, "2024-05-02T00:00:00Z"),
        ("Private", PostStatus::Private, "2024-05-03T00:00:00Z"),
        ("Pending", PostStatus::Pending, "2024-05-03T00:00:00Z"),
        ("Scheduled", PostStatus::Scheduled, "2024-06-15T00:00:00Z"),
        ("Future published", PostStatus::Published, "2024-07-01T00:00:00Z"),
    ] {
        let mut post = new_post(title, when);
        post.write.status = status;
        store.create_post(post).await.expect("create");
    }
    let mut page = new_post("A page", "2024-01-01T00:00:00Z");
    page.write.kind = PostKind::Page;
    store.create_post(page).await.expect("page");

    assert_eq!(titles(&store.list_posts(&stream(now)).await.expect("list")), ["Published"]);
    // The scheduled post appears by itself once its time has come.
    let later = store.list_posts(&stream(at("2024-06-20T00:00:00Z"))).await.expect("list");
    assert_eq!(titles(&later), ["Scheduled", "Published"]);
    let pages = store.list_posts(&PostQuery { kind: PostKind::Page, ..stream(now) }).await.expect("pages");
    assert_eq!(titles(&pages), ["A page"]);
}

/// The frame of every public page. The navigation's pages: top-level, readers may see them
/// now, newest first, at most the limit; posts and sub-pages are not among them. The
/// categories: all of them, by name, and no tags.
pub async fn site_frame_names_the_categories_and_the_top_level_pages_readers_see(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let now = at("2024-06-01T00:00:00Z");
    let page = |title: &str, status: PostStatus, when: &str| {
        let mut page = new_post(title, when);
        page.write.kind = PostKind::Page;
        page.write.status = status;
        page
    };
    let about = store.create_post(page("About", PostStatus::Published, "2024-01-01T00:00:00Z")).await.expect("about");
    store.create_post(page("Contact", PostStatus::Published, "2024-02-01T00:00:00Z")).await.expect("contact");
    let mut team = page("Team", PostStatus::Published, "2024-03-01T00:00:00Z");
    team.write.parent_id = Some(about.id);
    store.create_post(team).await.expect("sub-page");
    store.create_post(page("Draft page", PostStatus::Draft, "2024-03-01T00:00:00Z")).await.expect("draft");
    store.create_post(page("Private page", PostStatus::Private, "2024-03-01T00:00:00Z")).await.expect("private");
    store.create_post(page("Coming", PostStatus::Scheduled, "2024-07-01T00:00:00Z")).await.expect("scheduled");
    store.create_post(new_post("A post", "2024-04-01T00:00:00Z")).await.expect("post");

    let politics = store.create_term(Taxonomy::Category, "Politics", "politics", "Who governs", None).await.expect("category");
    let economy = store.create_term(Taxonomy::Category, "Economy", "economy", "", Some(politics.id)).await.expect("category");
    store.create_term(Taxonomy::Tag, "Cuba", "cuba", "", None).await.expect("tag");

    let frame = store.site_frame(now, 20).await.expect("frame");
    assert_eq!(frame.categories, [economy, politics]);
    let titles = |links: Vec<PostLink>| links.into_iter().map(|l| (l.title, l.slug, l.kind)).collect::<Vec<_>>();
    assert_eq!(
        titles(frame.pages.clone()),
        [("Contact".to_string(), "contact".to_string(), PostKind::Page), ("About".into(), "about".into(), PostKind::Page)]
    );
    assert_eq!(frame.pages[1].id, about.id);
    assert_eq!(frame.pages[1].published_at, at("2024-01-01T00:00:00Z"));
    assert_eq!(titles(store.site_frame(now, 1).await.expect("frame").pages).len(), 1);
    // The scheduled page joins once its time has come.
    let later = store.site_frame(at("2024-07-02T00:00:00Z"), 20).await.expect("frame").pages;
    assert_eq!(later.first().map(|l| l.title.as_str()), Some("Coming"));
}

pub async fn stream_paginates_and_puts_sticky_first(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    for day in 1..=7 {
        let mut post = new_post(&format!("Day {day}"), &format!("2024-05-0{day}T12:00:00Z"));
        post.write.sticky = day == 2;
        store.create_post(post).await.expect("create");
    }
    let now = at("2025-01-01T00:00:00Z");
    let mut query = PostQuery { per_page: 3, ..stream(now) };
    let first = store.list_posts(&query).await.expect("page 1");
    assert_eq!(first.total, 7);
    assert_eq!(first.page_count(3), 3);
    assert_eq!(titles(&first), ["Day 7", "Day 6", "Day 5"]);
    query.page = 3;
    let last = store.list_posts(&query).await.expect("page 3");
    assert_eq!((titles(&last), last.total), (vec!["Day 1"], 7), "a short last page tells the total itself");
    query.page = 4;
    let past = store.list_posts(&query).await.expect("page 4");
    assert_eq!((past.items.len(), past.total), (0, 7), "an empty page past the end still counts");
    query.per_page = 10;
    query.page = 1;
    assert_eq!(store.list_posts(&query).await.expect("one short page").total, 7);
    let none = store.list_posts(&PostQuery { kind: PostKind::Page, ..stream(now) }).await.expect("no pages");
    assert_eq!((none.items.len(), none.total), (0, 0));
    let home = store.list_posts(&PostQuery { sticky_first: true, per_page: 3, ..stream(now) }).await.expect("home");
    assert_eq!(titles(&home), ["Day 2", "Day 7", "Day 6"]);
}

/// A full page's count is kept while nothing it counts changed (see the store's
/// `kept_totals`): every write, by Dateline or behind its back, and every post becoming due,
/// shows in the next page's count.
pub async fn a_listing_s_count_follows_every_change_to_what_it_counts(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut ids = Vec::new();
    for day in 1..=4 {
        let mut post = new_post(&format!("Day {day}"), &format!("2024-05-0{day}T12:00:00Z"));
        post.tags = vec!["Rail".into()];
        // Two in World > Europe, two in Science.
        let path = if day <= 2 { vec!["World".into(), "Europe".into()] } else { vec!["Science".into()] };
        post.categories = vec![path];
        ids.push(store.create_post(post).await.expect("create").id);
    }
    let now = Timestamp::now();
    let home = PostQuery { per_page: 2, ..stream(now) };
    let total = |query: PostQuery| {
        let store = store.clone();
        async move { store.list_posts(&query).await.expect("list").total }
    };
    assert_eq!(total(home.clone()).await, 4);
    assert_eq!(total(home.clone()).await, 4, "counted again or kept, the same");

    // Behind Dateline's back: a post taken down, then a tag taken off another.
    test.execute(&format!("UPDATE posts SET status = 'draft' WHERE id = {}", ids[0])).await;
    assert_eq!(total(home.clone()).await, 3);
    let rail = store.term_by_slug(Taxonomy::Tag, "rail").await.expect("term").expect("the tag");
    let tagged = PostQuery { filter: PostFilter::Tag(rail.id), ..home.clone() };
    assert_eq!(total(tagged.clone()).await, 3);
    test.execute(&format!("DELETE FROM post_terms WHERE post_id = {} AND term_id = {}", ids[1], rail.id)).await;
    assert_eq!(total(tagged.clone()).await, 2);
    assert_eq!(total(home.clone()).await, 3, "still on the home page");

    // A category's count follows its descendants: Science moved under World by hand.
    let world = store.term_by_slug(Taxonomy::Category, "world").await.expect("term").expect("world");
    let science = store.term_by_slug(Taxonomy::Category, "science").await.expect("term").expect("science");
    let in_world = PostQuery { filter: PostFilter::Category(world.id), per_page: 1, ..home.clone() };
    assert_eq!(total(in_world.clone()).await, 1, "Day 2 (Day 1 was taken down)");
    test.execute(&format!("UPDATE terms SET parent_id = {} WHERE id = {}", world.id, science.id)).await;
    assert_eq!(total(in_world).await, 3);

    // Through the store: a post dated an hour ahead is counted once it is due, with no write.
    let soon = (now + 1.hour()).round(jiff::Unit::Second).expect("round");
    store.create_post(new_post("Soon", &soon.to_string())).await.expect("create");
    assert_eq!(total(home.clone()).await, 3);
    assert_eq!(total(PostQuery { now: soon + 1.second(), ..home.clone() }).await, 4, "due by then");
    assert_eq!(total(home.clone()).await, 3, "not yet due at the earlier instant");
    store.delete_post(ids[3]).await.expect("delete");
    assert_eq!(total(home).await, 2);
}

pub async fn category_filter_includes_descendants(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    for (title, path) in
        [("Top", vec!["World"]), ("Mid", vec!["World", "Europe"]), ("Deep", vec!["World", "Europe", "France"]), ("Other", vec!["Science"])]
    {
        let mut post = new_post(title, "2024-05-01T00:00:00Z");
        post.categories = vec![path.into_iter().map(String::from).collect()];
        store.create_post(post).await.expect("create");
    }
    let now = at("2025-01-01T00:00:00Z");
    let world = store.term_by_slug(Taxonomy::Category, "world").await.expect("term").expect("world");
    let europe = store.term_by_slug(Taxonomy::Category, "europe").await.expect("term").expect("europe");
    let mut in_world = titles(&store.list_posts(&PostQuery { filter: PostFilter::Category(world.id), ..stream(now) }).await.expect("list"))
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    in_world.sort();
    assert_eq!(in_world, ["Deep", "Mid", "Top"]);
    let in_europe = store.list_posts(&PostQuery { filter: PostFilter::Category(europe.id), ..stream(now) }).await.expect("list");
    assert_eq!(in_europe.total, 2);
    let cats = store.terms(Taxonomy::Category).await.expect("terms");
    assert_eq!(cats.len(), 4);
}

pub async fn tag_author_and_date_filters(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut a = new_post("Tagged", "2024-05-01T10:00:00Z");
    a.tags = vec!["Rail".into()];
    let mut b = new_post("By Bo", "2024-06-01T10:00:00Z");
    b.author_name = Some("Bo Editor".into());
    store.create_post(a).await.expect("a");
    store.create_post(b).await.expect("b");
    let now = at("2025-01-01T00:00:00Z");
    let rail = store.term_by_slug(Taxonomy::Tag, "rail").await.expect("term").expect("rail");
    let tagged = store.list_posts(&PostQuery { filter: PostFilter::Tag(rail.id), ..stream(now) }).await.expect("list");
    assert_eq!(titles(&tagged), ["Tagged"]);
    let bo = store.user_by_slug("bo-editor").await.expect("user").expect("bo");
    assert_eq!(bo.display_name, "Bo Editor");
    let by_bo = store.list_posts(&PostQuery { filter: PostFilter::Author(bo.id), ..stream(now) }).await.expect("list");
    assert_eq!(titles(&by_bo), ["By Bo"]);
    let from = at("2024-05-01T00:00:00Z");
    let may = PostFilter::Between { from, to: from + (31 * 24).hours() };
    assert_eq!(titles(&store.list_posts(&PostQuery { filter: may, ..stream(now) }).await.expect("list")), ["Tagged"]);
    assert!(store.user_by_slug("nobody").await.expect("user").is_none());
}

pub async fn terms_are_shared_between_posts(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    for title in ["One", "Two"] {
        let mut post = new_post(title, "2024-05-01T00:00:00Z");
        post.tags = vec!["Budget".into(), "budget".into()];
        post.categories = vec![vec!["Local".into(), "City Hall".into()]];
        store.create_post(post).await.expect("create");
    }
    assert_eq!(store.terms(Taxonomy::Tag).await.expect("tags").len(), 1);
    assert_eq!(store.terms(Taxonomy::Category).await.expect("cats").len(), 2);
}

pub async fn only_approved_comments_are_counted(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut post = new_post("Discussed", "2024-05-01T00:00:00Z");
    post.comments = vec![
        comment("ok", CommentStatus::Approved, None),
        comment("held", CommentStatus::Pending, None),
        comment("spam", CommentStatus::Spam, None),
        comment("bin", CommentStatus::Trash, None),
    ];
    let post = store.create_post(post).await.expect("create");
    assert_eq!(post.comment_count, 1);
    let pending = store.comments_for_post(post.id, CommentStatus::Pending).await.expect("pending");
    assert_eq!(pending.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), ["held"]);
    let added = store.create_comment(post.id, None, comment("later", CommentStatus::Approved, None)).await.expect("add");
    assert_eq!(added.post_id, post.id);
    let listed = store.list_posts(&stream(at("2025-01-01T00:00:00Z"))).await.expect("list");
    assert_eq!(listed.items[0].comment_count, 2);
}

/// A post's own page counts its comments from the threads it reads, except behind a password,
/// where it reads none: there the read counts them. Otherwise it reads the same post.
pub async fn a_post_page_s_read_counts_comments_only_behind_a_password(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut post = new_post("Discussed", "2024-05-01T00:00:00Z");
    post.comments = vec![comment("ok", CommentStatus::Approved, None), comment("held", CommentStatus::Pending, None)];
    store.create_post(post).await.expect("create");
    let page = store.post_page_by_slug(PostKind::Post, "discussed").await.expect("read").expect("post").post;
    let whole = store.post_by_slug(PostKind::Post, "discussed").await.expect("read").expect("post");
    assert_eq!((page.comment_count, whole.comment_count), (0, 1));
    // The page never shows the editor's source text, and leaves it unread.
    assert!(page.body_source.is_empty() && !whole.body_source.is_empty());
    assert_eq!(Post { comment_count: whole.comment_count, body_source: whole.body_source.clone(), ..page }, whole);
    let mut locked = new_post("Locked", "2024-05-02T00:00:00Z");
    locked.write.password = Some("secret".into());
    locked.comments = vec![comment("behind", CommentStatus::Approved, None), comment("held", CommentStatus::Pending, None)];
    store.create_post(locked).await.expect("create");
    let page = store.post_page_by_slug(PostKind::Post, "locked").await.expect("read").expect("post").post;
    assert_eq!(page.comment_count, 1);
    assert!(store.post_page_by_slug(PostKind::Page, "locked").await.expect("read").is_none(), "a post is not a page");
}

pub async fn comment_parent_must_belong_to_the_post(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut first = new_post("First", "2024-05-01T00:00:00Z");
    first.comments = vec![comment("on first", CommentStatus::Approved, None)];
    let first = store.create_post(first).await.expect("first");
    let second = store.create_post(new_post("Second", "2024-05-02T00:00:00Z")).await.expect("second");
    let foreign = store.comments_for_post(first.id, CommentStatus::Approved).await.expect("list")[0].id;
    let err =
        store.create_comment(second.id, Some(foreign), comment("x", CommentStatus::Approved, None)).await.expect_err("foreign parent");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let err = store.create_comment(9_999, None, comment("x", CommentStatus::Approved, None)).await.expect_err("no post");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert!(store.comments_for_post(second.id, CommentStatus::Approved).await.expect("list").is_empty());
}

pub async fn failed_post_leaves_nothing_behind(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut post = new_post("Broken", "2024-05-01T00:00:00Z");
    post.tags = vec!["Orphan tag".into()];
    post.comments = vec![comment("bad parent", CommentStatus::Approved, Some(5))];
    store.create_post(post).await.expect_err("must fail");
    assert!(store.is_empty().await.expect("empty"));
    assert!(store.terms(Taxonomy::Tag).await.expect("tags").is_empty(), "the tag must be rolled back too");
}

pub async fn comment_moderation_round_trips(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Discussed", "2024-05-01T00:00:00Z")).await.expect("post");
    let mut held = comment("Buy now", CommentStatus::Pending, None);
    held.moderation_reason = Some("2 links (comments with 2 or more are held)".into());
    held.spam_score = Some(0.75);
    held.notify = true;
    held.author_email = Some("Held@Example.org".into());
    let held = store.create_comment(post.id, None, held).await.expect("held");
    assert_eq!(held.moderation_reason.as_deref(), Some("2 links (comments with 2 or more are held)"));
    assert_eq!(held.spam_score, Some(0.75));
    assert!(held.notify);
    assert_eq!(store.comment_by_id(held.id).await.expect("read"), Some(held.clone()));

    let pending = store
        .list_comments(&CommentQuery { status: Some(CommentStatus::Pending), post: None, page: 1, per_page: 10, ..CommentQuery::default() })
        .await
        .expect("list");
    assert_eq!((pending.total, pending.items[0].id), (1, held.id));
    assert!(!store.has_approved_comment(Some("held@example.org"), None).await.expect("prior"));
    let before = store.set_comment_status(held.id, CommentStatus::Approved).await.expect("approve");
    assert_eq!(before.status, CommentStatus::Pending);
    assert!(store.has_approved_comment(Some("held@example.org"), None).await.expect("prior"), "email matches case-insensitively");
    let counts = store.comment_counts().await.expect("counts");
    assert!(counts.contains(&(CommentStatus::Approved, 1)) && counts.contains(&(CommentStatus::Pending, 0)), "{counts:?}");
    assert!(store.is_duplicate_comment(post.id, Some("held@example.org"), None, "Buy now").await.expect("dup"));
    assert!(!store.is_duplicate_comment(post.id, Some("held@example.org"), None, "Something else").await.expect("dup"));
    assert!(store.unsubscribe_comment(held.id).await.expect("unsubscribe"));
    assert!(!store.unsubscribe_comment(held.id).await.expect("again"), "already unsubscribed");
    assert!(matches!(store.set_comment_status(9_999, CommentStatus::Spam).await, Err(StoreError::NotFound(_))));
}

pub async fn settings_are_initialised_once(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    assert_eq!(store.setting_or_init("secret", "first").await.expect("init"), "first");
    assert_eq!(store.setting_or_init("secret", "second").await.expect("read"), "first");
}

pub async fn spam_training_counts_once_and_relabels(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut post = new_post("Spammed", "2024-05-01T00:00:00Z");
    post.comments = vec![comment("casino", CommentStatus::Pending, None)];
    let post = store.create_post(post).await.expect("post");
    let id = store.comments_for_post(post.id, CommentStatus::Pending).await.expect("list")[0].id;
    let tokens = vec!["casino".to_string(), "links:0".to_string()];
    store.train_comment(id, &tokens, SpamLabel::Spam).await.expect("train");
    store.train_comment(id, &tokens, SpamLabel::Spam).await.expect("train again");
    let counts = store.spam_counts(&tokens).await.expect("counts");
    assert_eq!(counts["casino"], dateline_core::spam::Counts { spam: 1, ham: 0 });
    assert_eq!(counts[dateline_core::spam::DOCUMENTS], dateline_core::spam::Counts { spam: 1, ham: 0 });
    store.train_comment(id, &tokens, SpamLabel::Ham).await.expect("relabel");
    let counts = store.spam_counts(&tokens).await.expect("counts");
    assert_eq!(counts["casino"], dateline_core::spam::Counts { spam: 0, ham: 1 });
}

/// A long comment's words (more than one statement's worth) and many approvals at once that
/// share words, in different orders: every count right, and no deadlock between them.
pub async fn spam_training_of_long_and_simultaneous_comments_counts_every_word(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Busy", "2024-05-01T00:00:00Z")).await.expect("post");
    let shared: Vec<String> = (0..1_200).map(|i| format!("shared{i:04}")).collect();
    let mut trainings = Vec::new();
    for n in 0..6 {
        let held = store.create_comment(post.id, None, comment(&format!("talk {n}"), CommentStatus::Pending, None)).await.expect("comment");
        let mut tokens = shared.clone();
        tokens.push(format!("own{n}"));
        if n % 2 == 1 {
            tokens.reverse();
        }
        let store = store.clone();
        trainings.push(tokio::spawn(async move { store.train_comment(held.id, &tokens, SpamLabel::Ham).await }));
    }
    for training in trainings {
        training.await.expect("task").expect("train");
    }
    let asked: Vec<String> = ["shared0000", "shared0599", "shared1199", "own0", "own5"].iter().map(|t| t.to_string()).collect();
    let counts = store.spam_counts(&asked).await.expect("counts");
    for shared in &asked[..3] {
        assert_eq!(counts[shared], dateline_core::spam::Counts { spam: 0, ham: 6 }, "{shared}");
    }
    assert_eq!(counts["own0"], dateline_core::spam::Counts { spam: 0, ham: 1 });
    assert_eq!(counts[dateline_core::spam::DOCUMENTS], dateline_core::spam::Counts { spam: 0, ham: 6 });
}

pub async fn trash_remembers_where_a_comment_was(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Binned", "2024-05-01T00:00:00Z")).await.expect("post");
    let approved = store.create_comment(post.id, None, comment("kept", CommentStatus::Approved, None)).await.expect("comment");
    assert_eq!((approved.status_before_trash, approved.restored_status()), (None, CommentStatus::Approved));
    store.set_comment_status(approved.id, CommentStatus::Trash).await.expect("trash");
    let binned = store.comment_by_id(approved.id).await.expect("read").expect("there");
    assert_eq!((binned.status_before_trash, binned.restored_status()), (Some(CommentStatus::Approved), CommentStatus::Approved));
    // Trashing again does not forget; leaving the trash does.
    store.set_comment_status(approved.id, CommentStatus::Trash).await.expect("trash again");
    assert_eq!(store.comment_by_id(approved.id).await.expect("read").expect("there").status_before_trash, Some(CommentStatus::Approved));
    store.set_comment_status(approved.id, CommentStatus::Approved).await.expect("restore");
    let restored = store.comment_by_id(approved.id).await.expect("read").expect("there");
    assert_eq!((restored.status, restored.status_before_trash), (CommentStatus::Approved, None));
    // Spam that is trashed goes back to spam.
    let spam = store.create_comment(post.id, None, comment("junk", CommentStatus::Spam, None)).await.expect("spam");
    store.set_comment_status(spam.id, CommentStatus::Trash).await.expect("trash spam");
    assert_eq!(store.comment_by_id(spam.id).await.expect("read").expect("there").restored_status(), CommentStatus::Spam);
}

pub async fn comments_name_the_account_that_wrote_them(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Answered", "2024-05-01T00:00:00Z")).await.expect("post");
    let user = store
        .create_user(dateline_core::accounts::NewUser {
            login: "ed".into(),
            display_name: "Ed".into(),
            email: None,
            role: Role::Editor,
            password_hash: "x".into(),
        })
        .await
        .expect("user");
    let mut reply = comment("From the desk", CommentStatus::Approved, None);
    reply.user_id = Some(user.id);
    let reply = store.create_comment(post.id, None, reply).await.expect("reply");
    assert_eq!(reply.user_id, Some(user.id));
    assert_eq!(store.comments_for_post(post.id, CommentStatus::Approved).await.expect("list")[0].user_id, Some(user.id));
    let anonymous = store.create_comment(post.id, None, comment("From a reader", CommentStatus::Approved, None)).await.expect("reader");
    assert_eq!(anonymous.user_id, None);
}

pub async fn due_scheduled_posts_become_published(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let author = store.create_post(new_post("Anchor", "2024-05-01T00:00:00Z")).await.expect("post").author.id;
    let now = Timestamp::now();
    let mut ids = Vec::new();
    for (title, at) in [("Due", now - 1.hour()), ("Later", now + 1.hour())] {
        let mut write = PostWrite::new_draft(PostKind::Post, author, BodyFormat::Markdown);
        write.title = title.into();
        write.slug = title.to_lowercase();
        write.status = PostStatus::Scheduled;
        write.published_at = at;
        ids.push(store.save_post(None, write).await.expect("save").id);
    }
    assert_eq!(store.publish_due_posts(now).await.expect("publish"), 1);
    assert_eq!(store.post_by_id(ids[0]).await.expect("read").expect("due").status, PostStatus::Published);
    assert_eq!(store.post_by_id(ids[1]).await.expect("read").expect("later").status, PostStatus::Scheduled);
    assert_eq!(store.publish_due_posts(now).await.expect("again"), 0, "nothing twice");
}

pub async fn comment_checks_hold_under_simultaneous_sends(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Busy", "2024-05-01T00:00:00Z")).await.expect("post");
    // Twenty identical comments at once (as from two instances): one is stored.
    let sends: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store.create_comment_checked(post.id, None, comment("Same words", CommentStatus::Approved, None), None).await
            })
        })
        .collect();
    let mut created = 0;
    for send in sends {
        match send.await.expect("task").expect("store") {
            CommentOutcome::Created(_) => created += 1,
            CommentOutcome::Duplicate => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 1);
    // Ten different ones at once from one address allowed three: three are stored.
    let limit = FloodLimit { address: "192.0.2.1".into(), since: Timestamp::now() - 1.hour(), max: 3 };
    let sends: Vec<_> = (0..10)
        .map(|n| {
            let (store, limit) = (store.clone(), limit.clone());
            let mut fresh_comment = comment(&format!("Words {n}"), CommentStatus::Approved, None);
            fresh_comment.created_at = Timestamp::now();
            tokio::spawn(async move { store.create_comment_checked(post.id, None, fresh_comment, Some(&limit)).await })
        })
        .collect();
    let mut stored = 0;
    for send in sends {
        if let CommentOutcome::Created(_) = send.await.expect("task").expect("store") {
            stored += 1;
        }
    }
    assert_eq!(stored, 3);
}

pub async fn simultaneous_moderation_keeps_status_and_lesson_together(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Contested", "2024-05-01T00:00:00Z")).await.expect("post");
    for round in 0..8 {
        let word = format!("quxword{round}");
        let held = store.create_comment(post.id, None, comment(&word, CommentStatus::Pending, None)).await.expect("comment");
        let (a, b) = (store.clone(), store.clone());
        let spam = tokio::spawn(async move { a.moderate_comment(held.id, CommentStatus::Spam, Some(SpamLabel::Spam)).await });
        let ham = tokio::spawn(async move { b.moderate_comment(held.id, CommentStatus::Approved, Some(SpamLabel::Ham)).await });
        spam.await.expect("task").expect("spam");
        ham.await.expect("task").expect("approve");
        let status = store.comment_by_id(held.id).await.expect("read").expect("there").status;
        let counts = store.spam_counts(std::slice::from_ref(&word)).await.expect("counts");
        let learned = counts.get(&word).copied().unwrap_or_default();
        let expected = if status == CommentStatus::Spam {
            dateline_core::spam::Counts { spam: 1, ham: 0 }
        } else {
            dateline_core::spam::Counts { spam: 0, ham: 1 }
        };
        assert_eq!(learned, expected, "round {round}: status {status:?}");
    }
}

pub async fn slugs_stay_unique_under_simultaneous_writes(db: Db) {
    let Some(test) = fresh(db).await else { return };
    // Two instances sharing the store, as behind a load balancer.
    let other: std::sync::Arc<dyn Store> = std::sync::Arc::new(dateline_store::SqlStore::open(&test.url).await.expect("second instance"));
    let stores = [test.dyn_store(), other];
    let author = stores[0].create_post(new_post("Seed", "2024-05-01T00:00:00Z")).await.expect("post").author.id;
    let mut writes = Vec::new();
    for n in 0..40 {
        let store = stores[n % 2].clone();
        writes.push(tokio::spawn(async move {
            if n % 4 == 0 {
                store.create_post(new_post("Same title", "2024-05-02T00:00:00Z")).await.map(|p| p.slug)
            } else {
                let mut write = PostWrite::new_draft(PostKind::Post, author, BodyFormat::Markdown);
                write.title = "Same title".into();
                write.slug = "same-title".into();
                write.status = PostStatus::Published;
                store.save_post(None, write).await.map(|p| p.slug)
            }
        }));
    }
    let mut slugs = Vec::new();
    for write in writes {
        slugs.push(write.await.expect("task").expect("every write succeeds"));
    }
    slugs.sort();
    let count = slugs.len();
    slugs.dedup();
    assert_eq!(slugs.len(), count, "every post got its own slug: {slugs:?}");
    assert!(slugs.contains(&"same-title".to_string()) && slugs.contains(&"same-title-40".to_string()), "{slugs:?}");
}

pub async fn a_transaction_the_database_ended_leaves_every_connection_usable(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Disk", "2024-05-01T00:00:00Z")).await.expect("post");
    test.fail_comment_inserts_containing("disk-full").await;
    for _ in 0..3 {
        let failed = store.create_comment_checked(post.id, None, comment("disk-full now", CommentStatus::Approved, None), None).await;
        assert!(failed.is_err(), "{failed:?}");
    }
    // However the pool hands out its connections, every write works afterwards.
    let writes: Vec<_> = (0..24)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store.create_comment_checked(post.id, None, comment(&format!("fine {n}"), CommentStatus::Approved, None), None).await
            })
        })
        .collect();
    for write in writes {
        assert!(matches!(write.await.expect("task"), Ok(CommentOutcome::Created(_))));
    }
    for n in 0..8 {
        store
            .create_comment(post.id, None, comment(&format!("one by one {n}"), CommentStatus::Approved, None))
            .await
            .expect("write after a failure");
    }
}

/// Reads hand their connections on to the next read without the pool's check (see the
/// store's `readers`): they must still see every write committed elsewhere at once, and a
/// connection the server dropped must not be handed out again.
pub async fn kept_read_connections_see_every_write_and_outlive_lost_connections(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("First title", "2024-05-01T00:00:00Z")).await.expect("post");
    let titles = |store: std::sync::Arc<dyn Store>| async move {
        // Enough reads at once to hand out every connection the store keeps for reads.
        let reads: Vec<_> = (0..32)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.post_by_id(post.id).await.map(|p| p.map(|p| p.title)) })
            })
            .collect();
        let mut titles = Vec::new();
        for read in reads {
            titles.push(read.await.expect("task"));
        }
        titles
    };
    assert!(titles(store.clone()).await.iter().all(|t| matches!(t, Ok(Some(t)) if t == "First title")));
    // Written from a connection of its own, as another process would.
    test.execute(&format!("UPDATE posts SET title = 'Second title' WHERE id = {}", post.id)).await;
    for title in titles(store.clone()).await {
        assert!(matches!(&title, Ok(Some(t)) if t == "Second title"), "{title:?}");
    }
    if db == Db::Postgres {
        // The server ends every other session (a restart, a proxy's timeout): after the
        // second a kept connection waits before it is checked again, every read works.
        test.end_server_sessions().await;
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        for title in titles(store.clone()).await {
            assert!(matches!(&title, Ok(Some(t)) if t == "Second title"), "{title:?}");
        }
    }
}

pub async fn category_parents_cannot_form_a_loop(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let top = store.create_term(Taxonomy::Category, "Top", "top", "", None).await.expect("term");
    let middle = store.create_term(Taxonomy::Category, "Middle", "middle", "", Some(top.id)).await.expect("term");
    let bottom = store.create_term(Taxonomy::Category, "Bottom", "bottom", "", Some(middle.id)).await.expect("term");
    for parent in [bottom.id, top.id] {
        let refused = store.update_term(top.id, "Top", "top", "", Some(parent)).await;
        assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    }
    store.update_term(bottom.id, "Bottom", "bottom", "moved", Some(top.id)).await.expect("a real move");
    let moved = store.term_by_id(bottom.id).await.expect("read").expect("term");
    assert_eq!((moved.parent_id, moved.description.as_str()), (Some(top.id), "moved"));
    store.update_term(bottom.id, "Bottom", "bottom", "", None).await.expect("to the top level");
    assert_eq!(store.term_by_id(bottom.id).await.expect("read").expect("term").parent_id, None);
}

pub async fn editor_queries_leave_out_what_they_are_asked_to(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut cuba = new_post("Cuba story", "2024-05-01T00:00:00Z");
    cuba.tags = vec!["Cuba".into()];
    cuba.categories = vec![vec!["World".into()]];
    let cuba = store.create_post(cuba).await.expect("post");
    let mut private = new_post("Private plans", "2024-05-02T00:00:00Z");
    private.write.status = PostStatus::Private;
    private.author_name = Some("Someone Else".into());
    let private = store.create_post(private).await.expect("post");
    let mut draft = new_post("Own draft", "2024-05-03T00:00:00Z");
    draft.write.status = PostStatus::Draft;
    let draft = store.create_post(draft).await.expect("post");
    let any = |query: EditorQuery| EditorQuery { statuses: Vec::new(), published_before: None, per_page: 50, ..query };
    let base = any(EditorQuery::public(PostKind::Post, Timestamp::now()));
    let found = |page: Page<Post>| page.items.iter().map(|p| p.title.clone()).collect::<Vec<_>>();
    let tag = cuba.tags[0].id;
    let category = cuba.categories[0].id;
    assert_eq!(
        found(store.editor_posts(&EditorQuery { exclude_tags: vec![tag], ..base.clone() }).await.expect("query")),
        ["Own draft", "Private plans"]
    );
    assert_eq!(
        found(store.editor_posts(&EditorQuery { exclude_categories: vec![category], ..base.clone() }).await.expect("query")),
        ["Own draft", "Private plans"]
    );
    assert_eq!(
        found(store.editor_posts(&EditorQuery { exclude_authors: vec![private.author.id], ..base.clone() }).await.expect("query")),
        ["Own draft", "Cuba story"]
    );
    // What the author of the draft may see: their own, and what readers see; not the private post.
    let readable = EditorQuery { readable_by: Some((draft.author.id, Timestamp::now())), ..base.clone() };
    assert_eq!(found(store.editor_posts(&readable).await.expect("query")), ["Own draft", "Cuba story"]);
}
