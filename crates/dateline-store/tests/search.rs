//! Full-text search on both stores: the corpus of `search_corpus.json` (posts in Spanish,
//! Portuguese, French, German and Polish, with invisible posts that hold the same words) and
//! its table of queries with their expected totals and top results; and the index kept in
//! step with every write that changes what a post is found by.

use std::collections::HashMap;

use dateline_core::import::{ImportAuthor, ImportComment, ImportPost};
use dateline_core::*;
use dateline_testkit::{Db, fresh, reader_comment};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Corpus {
    posts: Vec<CorpusPost>,
    queries: Vec<CorpusQuery>,
}

#[derive(Debug, Deserialize)]
struct CorpusPost {
    key: String,
    title: String,
    dek: Option<String>,
    body: String,
    reporter: Option<String>,
    outlet: Option<String>,
    headline: Option<String>,
    excerpt: Vec<String>,
    tags: Vec<String>,
    categories: Vec<String>,
    published: Timestamp,
    status: String,
    password: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CorpusQuery {
    q: String,
    top: Vec<String>,
    total: u64,
    #[serde(default = "ordered_by_default")]
    ordered: bool,
    note: String,
}

fn ordered_by_default() -> bool {
    true
}

fn corpus() -> Corpus {
    serde_json::from_str(include_str!("search_corpus.json")).expect("search_corpus.json")
}

/// What a reader's search asks the store: public posts, no password, best match first.
fn readers(words: &str) -> EditorQuery {
    EditorQuery {
        search: Some(words.to_string()),
        without_password: true,
        order: PostOrder::Relevance,
        per_page: 50,
        ..EditorQuery::public(PostKind::Post, Timestamp::now())
    }
}

/// A published post by Ana Writer with `body_html`.
fn new_post(title: &str, body_html: &str) -> NewPost {
    let mut post = crate::cases::new_post(title, "2024-05-01T00:00:00Z");
    post.write.body_source = body_html.into();
    post.write.body_html = body_html.into();
    post
}

/// Loads the corpus; returns each post's key by title.
async fn load(store: &dyn Store, corpus: &Corpus) -> HashMap<String, String> {
    let mut keys = HashMap::new();
    for p in &corpus.posts {
        let status = PostStatus::parse(&p.status).expect("status");
        // A scheduled post is always in the future, whenever the suite runs.
        let published_at =
            if status == PostStatus::Scheduled { Timestamp::now() + SignedDuration::from_hours(24 * 60) } else { p.published };
        let body_html: String = p.body.split("\n\n").map(|paragraph| format!("<p>{paragraph}</p>\n")).collect();
        let source = (p.reporter.is_some() || p.outlet.is_some() || p.headline.is_some() || !p.excerpt.is_empty()).then(|| Source {
            reporter: p.reporter.clone(),
            outlet: p.outlet.clone(),
            url: Some(format!("https://news.example/{}", p.key)),
            headline: p.headline.clone(),
            excerpt: p.excerpt.clone(),
            continue_reading_text: None,
            words: None,
            archive_url: None,
        });
        let mut post = new_post(&p.title, &body_html);
        post.write.dek = p.dek.clone();
        post.write.source = source;
        post.write.status = status;
        post.write.published_at = published_at;
        post.categories = p.categories.iter().map(|c| vec![c.clone()]).collect();
        post.tags = p.tags.clone();
        let created = store.create_post(post).await.expect("corpus post");
        if let Some(password) = &p.password {
            let mut write = PostWrite::from_post(&created);
            write.password = Some(password.clone());
            store.save_post(Some(created.id), write).await.expect("protect");
        }
        keys.insert(p.title.clone(), p.key.clone());
    }
    keys
}

pub async fn the_corpus_finds_the_same_posts_in_the_same_order(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let corpus = corpus();
    let keys = load(store.as_ref(), &corpus).await;
    let mut failures = Vec::new();
    for query in &corpus.queries {
        let found = store.editor_posts(&readers(&query.q)).await.expect("a reader's query never fails");
        let got: Vec<&str> = found.items.iter().map(|p| keys[&p.title].as_str()).collect();
        let top: Vec<&str> = got.iter().take(query.top.len()).copied().collect();
        let top_ok = if query.ordered {
            top == query.top
        } else {
            let mut a = top.clone();
            let mut b: Vec<&str> = query.top.iter().map(String::as_str).collect();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        if found.total != query.total || got.len() as u64 != query.total || !top_ok {
            failures.push(format!(
                "{:?}: total {} (expected {}), results {got:?}, expected top {:?} ({})",
                query.q, found.total, query.total, query.top, query.note
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} queries differ:\n{}", failures.len(), corpus.queries.len(), failures.join("\n"));
}

fn titles(page: &Page<Post>) -> Vec<&str> {
    page.items.iter().map(|p| p.title.as_str()).collect()
}

/// A published post as an import brings it, by the author `wp`.
fn import_post(title: &str, slug: &str, body_html: &str) -> ImportPost {
    ImportPost {
        write: PostWrite {
            title: title.into(),
            slug: slug.into(),
            body_source: String::new(),
            body_html: body_html.into(),
            status: PostStatus::Published,
            published_at: "2020-01-01T00:00:00Z".parse().expect("time"),
            ..PostWrite::new_draft(PostKind::Post, 0, BodyFormat::Html)
        },
        source_key: format!("wxr:old:post:{slug}"),
        wanted_id: None,
        updated_at: "2020-01-01T00:00:00Z".parse().expect("time"),
        author_login: "wp".into(),
        parent_source_key: None,
        categories: vec![],
        tags: vec![],
        meta: vec![],
    }
}

pub async fn the_index_follows_every_write(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut tagged = new_post("Harbour ferries", "<p>The <em>Rîo</em>-line runs at night.</p>");
    tagged.tags = vec!["Águas".into()];
    let ferry = store.create_post(tagged).await.expect("create");
    assert_eq!(titles(&store.editor_posts(&readers("rio line")).await.expect("q")), ["Harbour ferries"], "body, folded, across a tag");
    assert_eq!(titles(&store.editor_posts(&readers("aguas")).await.expect("q")), ["Harbour ferries"], "tag name");

    // An edit: the old words are forgotten, the new ones found, in the same transaction.
    let mut write = PostWrite::from_post(&ferry);
    write.title = "Night buses".into();
    write.body_html = "<p>Buses replace the ferry.</p>".into();
    store.save_post(Some(ferry.id), write).await.expect("edit");
    assert_eq!(store.editor_posts(&readers("harbour")).await.expect("q").total, 0);
    assert_eq!(titles(&store.editor_posts(&readers("night buses")).await.expect("q")), ["Night buses"]);

    // A term's new name finds its posts; a deleted term no longer does.
    let tag = store.terms(Taxonomy::Tag).await.expect("tags").into_iter().find(|t| t.name == "Águas").expect("tag");
    store.update_term(tag.id, "Mares", &tag.slug, "", None).await.expect("rename");
    assert_eq!(store.editor_posts(&readers("aguas")).await.expect("q").total, 0);
    assert_eq!(store.editor_posts(&readers("mares")).await.expect("q").total, 1);
    store.delete_term(tag.id).await.expect("delete term");
    assert_eq!(store.editor_posts(&readers("mares")).await.expect("q").total, 0);

    // Imported posts are found, with their attribution.
    let mut session = store.begin_import().await.expect("import");
    session.author(&ImportAuthor { login: "wp".into(), display_name: "WP".into(), email: None, wp_id: None }).await.expect("author");
    let imported = import_post("Imported from WordPress", "imported", "<p>Z&uuml;rich &amp; S&atilde;o Paulo</p>");
    let imported = ImportPost {
        write: PostWrite { source: Some(Source { reporter: Some("Zoë Müller".into()), ..Source::default() }), ..imported.write },
        ..imported
    };
    session.post(&imported).await.expect("post");
    session.finish().await.expect("finish");
    assert_eq!(titles(&store.editor_posts(&readers("zoe muller")).await.expect("q")), ["Imported from WordPress"]);
    assert_eq!(titles(&store.editor_posts(&readers("sao paulo")).await.expect("q")), ["Imported from WordPress"]);

    // Deleted posts are gone from the index (not merely hidden).
    let imported = store.post_by_slug(PostKind::Post, "imported").await.expect("read").expect("imported");
    store.delete_post(imported.id).await.expect("delete");
    store.delete_post(ferry.id).await.expect("delete");
    let anything = EditorQuery { statuses: Vec::new(), published_before: None, ..readers("paulo") };
    assert_eq!(store.editor_posts(&anything).await.expect("q").total, 0);
    assert_eq!(store.editor_posts(&EditorQuery { search: Some("buses".into()), ..anything }).await.expect("q").total, 0);
}

pub async fn relevance_and_date_order(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut older = new_post("Lithium in the Andes", "<p>A report on mining.</p>");
    older.write.published_at = "2024-01-01T00:00:00Z".parse().expect("time");
    store.create_post(older).await.expect("older");
    let mut newer = new_post("Copper prices", "<p>Lithium is mentioned once in a long piece about copper and zinc.</p>");
    newer.write.published_at = "2024-06-01T00:00:00Z".parse().expect("time");
    store.create_post(newer).await.expect("newer");
    let best = store.editor_posts(&readers("lithium")).await.expect("q");
    assert_eq!(titles(&best), ["Lithium in the Andes", "Copper prices"], "the title's match first");
    let newest = store.editor_posts(&EditorQuery { order: PostOrder::Date, ..readers("lithium") }).await.expect("q");
    assert_eq!(titles(&newest), ["Copper prices", "Lithium in the Andes"]);
    let second = store.editor_posts(&EditorQuery { per_page: 1, page: 2, ..readers("lithium") }).await.expect("q");
    assert_eq!((titles(&second), second.total), (vec!["Copper prices"], 2), "pages of a ranked list");
}

fn names(page: &Page<Comment>) -> Vec<&str> {
    page.items.iter().map(|c| c.author_name.as_deref().unwrap_or_default()).collect()
}

pub async fn comments_are_found_by_text_name_and_address(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut post = new_post("Thread", "<p>Talk.</p>");
    post.comments = vec![
        reader_comment("José Martí", "jose@example.org", "Cheap **viagra** here", CommentStatus::Pending),
        reader_comment("Ana", "ana@mail.example", "The blackout in Matanzas lasted all night.", CommentStatus::Pending),
    ];
    let post = store.create_post(post).await.expect("post");
    let moderator =
        |words: &str| CommentQuery { search: Some(words.into()), search_addresses: true, per_page: 50, page: 1, ..CommentQuery::default() };
    assert_eq!(names(&store.list_comments(&moderator("viagra")).await.expect("q")), ["José Martí"], "the text, markup aside");
    assert_eq!(names(&store.list_comments(&moderator("jose marti")).await.expect("q")), ["José Martí"], "the name, folded");
    assert_eq!(names(&store.list_comments(&moderator("ana@mail.example")).await.expect("q")), ["Ana"], "the address");
    assert_eq!(names(&store.list_comments(&moderator("matanzas -viagra")).await.expect("q")), ["Ana"]);
    let reader = CommentQuery { search_addresses: false, ..moderator("mail example") };
    assert_eq!(store.list_comments(&reader).await.expect("q").total, 0, "readers do not find people by address");
    let reader_by_name = CommentQuery { search_addresses: false, ..moderator("ana") };
    assert_eq!(names(&store.list_comments(&reader_by_name).await.expect("q")), ["Ana"]);
    let pending = CommentQuery { status: Some(CommentStatus::Approved), ..moderator("ana") };
    assert_eq!(store.list_comments(&pending).await.expect("q").total, 0, "with the other filters");
    assert_eq!(store.list_comments(&moderator("***")).await.expect("q").total, 0);

    // Edits and deletions reach the index in the same transaction.
    let ana = store.list_comments(&moderator("ana")).await.expect("q").items.remove(0);
    store.update_comment_body(ana.id, "Now about Cárdenas").await.expect("edit");
    assert_eq!(store.list_comments(&moderator("matanzas")).await.expect("q").total, 0);
    assert_eq!(names(&store.list_comments(&moderator("cardenas")).await.expect("q")), ["Ana"]);
    store.delete_comment(ana.id).await.expect("delete");
    assert_eq!(store.list_comments(&moderator("cardenas")).await.expect("q").total, 0);
    store.delete_post(post.id).await.expect("delete post");
    assert_eq!(store.list_comments(&moderator("viagra")).await.expect("q").total, 0);
}

/// An import keeps its comments' entries and writes them many to a statement (FTS5 writes a
/// segment at each): comments on either side of a statement's boundary are found, and one
/// whose key comes twice in the file is found by its last text only.
pub async fn imported_comments_are_found_across_the_import_s_batches(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut session = store.begin_import().await.expect("import");
    session.author(&ImportAuthor { login: "wp".into(), display_name: "WP".into(), email: None, wp_id: None }).await.expect("author");
    let post = session.post(&import_post("Busy thread", "busy", "<p>Talk.</p>")).await.expect("post");
    let comment = |n: usize, body: &str| ImportComment {
        source_key: format!("wxr:old:comment:{n}"),
        parent_source_key: None,
        comment: reader_comment(&format!("Reader {n}"), "reader@example.org", body, CommentStatus::Approved),
        status_before_trash: None,
        wp_user_id: None,
        meta: vec![],
    };
    // More than two statements' worth on SQLite (2,000 entries each).
    const COMMENTS: usize = 4_100;
    for n in 0..COMMENTS {
        let body = match n {
            7 => "A word about Matanzas".to_string(),
            2_500 => "Another about Cárdenas".to_string(),
            _ => format!("Comment number {n} on the harbor"),
        };
        session.comment(post, comment(n, &body)).await.expect("comment");
    }
    // Comment 7 again, rewritten, after its first entry was written.
    session.comment(post, comment(7, "Now about Holguín")).await.expect("again");
    session.finish().await.expect("finish");

    let moderator =
        |words: &str| CommentQuery { search: Some(words.into()), search_addresses: true, per_page: 5, page: 1, ..CommentQuery::default() };
    assert_eq!(store.list_comments(&moderator("harbor")).await.expect("q").total, COMMENTS as u64 - 2);
    assert_eq!(names(&store.list_comments(&moderator("cardenas")).await.expect("q")), ["Reader 2500"]);
    assert_eq!(names(&store.list_comments(&moderator("holguin")).await.expect("q")), ["Reader 7"]);
    assert_eq!(store.list_comments(&moderator("matanzas")).await.expect("q").total, 0, "the first text is gone from the index");
    assert_eq!(names(&store.list_comments(&moderator("\"number 4099\"")).await.expect("q")), ["Reader 4099"], "the last few");
    // SQLite: the import merged what its statements wrote, so a search reads one list a word.
    if test.url.starts_with("sqlite") {
        for index in ["post_search", "reader_search", "comment_search"] {
            assert_eq!(fts5_segments(&test, index).await, 1, "{index} after the import");
        }
    }
}

/// SQLite: how many segments (b-trees of word lists) the FTS5 table `index` is made of: the
/// distinct segments its shadow table `_idx` has pages of.
async fn fts5_segments(test: &dateline_testkit::TestStore, index: &str) -> i64 {
    let mut conn = test.side_connection().await;
    sqlx::query_scalar(&format!("SELECT COUNT(DISTINCT segid) FROM {index}_idx")).fetch_one(&mut conn).await.expect("segments")
}

/// SQLite: a store whose indexes were written in many statements (a blog imported before
/// migration 24) gets them merged when opened, and finds what it found.
pub async fn a_blog_imported_before_merging_gets_its_indexes_merged(db: Db) {
    let Some(test) = fresh(db).await else { return };
    for n in 0..12 {
        let mut post = new_post(&format!("Harbor note {n}"), "<p>The harbor at dawn.</p>");
        post.comments = vec![reader_comment("Zoë", "zoe@example.org", &format!("Seen from the harbor, {n}"), CommentStatus::Approved)];
        test.store.create_post(post).await.expect("post");
    }
    if !test.url.starts_with("sqlite") {
        return;
    }
    // Each write was a segment of its own; automatic merging leaves several.
    assert!(fts5_segments(&test, "reader_search").await > 1, "written in many segments");
    test.execute("DELETE FROM dateline_migrations WHERE version = 24").await;
    let reopened = migrated_and_sound(&test.url).await;
    for index in ["post_search", "reader_search", "comment_search"] {
        assert_eq!(fts5_segments(&test, index).await, 1, "{index} after the migration");
    }
    assert_eq!(reopened.editor_posts(&readers("harbor")).await.expect("q").total, 12);
    let query = CommentQuery { search: Some("harbor".into()), page: 1, per_page: 10, ..CommentQuery::default() };
    assert_eq!(reopened.list_comments(&query).await.expect("q").total, 12);
}

pub async fn a_blog_from_before_search_gets_its_index_built(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let mut post = new_post("Before the index", "<p>Written in Curaçao.</p>");
    post.comments = vec![reader_comment("Zoë", "zoe@example.org", "Seen from Willemstad", CommentStatus::Pending)];
    test.store.create_post(post).await.expect("post");
    // The store as it was before migration 7: no index, the migration not yet applied.
    for sql in [
        "DROP TABLE post_search",
        "DROP TABLE comment_search",
        "DROP INDEX posts_visible",
        "DELETE FROM dateline_migrations WHERE version = 7",
    ] {
        test.execute(sql).await;
    }
    // PostgreSQL: nor the entries' times readers may see their posts from (migration 25).
    if test.url.starts_with("postgres") {
        test.execute(
            "DROP TRIGGER posts_search_readable_from ON posts; DROP FUNCTION dateline_post_readable_from(); \
             DROP FUNCTION dateline_entry_readable_from() CASCADE; DROP FUNCTION dateline_readable_from; DELETE FROM dateline_migrations WHERE version = 25",
        )
        .await;
    }
    let reopened: std::sync::Arc<dyn Store> = std::sync::Arc::new(dateline_store::SqlStore::open(&test.url).await.expect("migrate"));
    assert_eq!(titles(&reopened.editor_posts(&readers("curacao")).await.expect("q")), ["Before the index"]);
    let query = CommentQuery { search: Some("willemstad".into()), page: 1, per_page: 10, ..CommentQuery::default() };
    assert_eq!(names(&reopened.list_comments(&query).await.expect("q")), ["Zoë"]);
}

/// The same query as `readers(words)` but not in a reader's exact shape (an id no post has is
/// left out), so the store answers it with the general statement, never from SQLite's reader
/// index: what the reader index gives must be what that gives.
fn general(words: &str) -> EditorQuery {
    EditorQuery { exclude: vec![PostId::MAX], ..readers(words) }
}

/// Asserts that a reader's search for `words` and the general statement's both find exactly
/// the posts titled `expected`, in any order, and count them.
async fn readers_and_general_find(store: &dyn Store, words: &str, expected: &[&str]) {
    let from_readers = store.editor_posts(&readers(words)).await.expect("q");
    let from_general = store.editor_posts(&general(words)).await.expect("q");
    for (page, answered_by) in [(&from_readers, "readers"), (&from_general, "general")] {
        let mut found = titles(page);
        found.sort_unstable();
        assert_eq!((found, page.total), (expected.to_vec(), expected.len() as u64), "{words}, {answered_by}");
    }
}

/// `count` posts alike (ranked equally by any search of theirs), oldest first.
async fn tapir_posts(store: &dyn Store, count: usize) -> Vec<PostId> {
    let mut made = Vec::new();
    for _ in 0..count {
        made.push(store.create_post(new_post("Tapir tracks", "<p>Seen near the river.</p>")).await.expect("post").id);
    }
    made
}

fn ids(page: &Page<Post>) -> Vec<PostId> {
    page.items.iter().map(|p| p.id).collect()
}

pub async fn a_search_ranks_its_newest_five_hundred_matches_then_lists_the_rest_by_date(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let mut session = store.begin_import().await.expect("import");
    session.author(&ImportAuthor { login: "wp".into(), display_name: "WP".into(), email: None, wp_id: None }).await.expect("author");
    let mut posts = Vec::new();
    // Five old posts about the word (written first, so the oldest ids), written in the reverse
    // of their dates: listed by date they come 5, 4, 3, 2, 1; by id they would not.
    for n in (1..=5).rev() {
        let mut post = import_post(&format!("Ledger archive {n}"), &format!("archive-{n}"), "<p>Ledger.</p>");
        post.write.published_at = format!("2001-01-0{n}T00:00:00Z").parse().expect("time");
        posts.push(post);
    }
    let start: Timestamp = "2020-01-01T00:00:00Z".parse().expect("time");
    for n in 0..1_000 {
        // A title match among the newest 500, and one just older than them.
        let title = match n {
            900 => "Ledger review".to_string(),
            100 => "Ledger notebook".to_string(),
            _ => format!("Daily note {n}"),
        };
        let mut post =
            import_post(&title, &format!("note-{n}"), "<p>A long note about many things, the ledger among them, with more words.</p>");
        post.write.published_at = start + SignedDuration::from_mins(n);
        posts.push(post);
    }
    for post in &posts {
        session.post(post).await.expect("post");
    }
    session.finish().await.expect("finish");

    let paged = |page: u32, query: EditorQuery| EditorQuery { page, per_page: 10, ..query };
    let first = store.editor_posts(&paged(1, readers("ledger"))).await.expect("q");
    assert_eq!(first.total, 1_005);
    assert_eq!(titles(&first)[0], "Ledger review", "the best of the newest 500 first");
    let older = |t: &&str| t.starts_with("Ledger archive") || *t == "Ledger notebook";
    assert!(!titles(&first).iter().any(older), "older than the ranked 500: {:?}", titles(&first));
    // After the 500 ranked, the 500 older notes newest first: note 100 is the 900th.
    let ninetieth = store.editor_posts(&paged(90, readers("ledger"))).await.expect("q");
    assert_eq!(titles(&ninetieth).last(), Some(&"Ledger notebook"));
    let last = store.editor_posts(&paged(101, readers("ledger"))).await.expect("q");
    assert_eq!(titles(&last), ["Ledger archive 5", "Ledger archive 4", "Ledger archive 3", "Ledger archive 2", "Ledger archive 1"]);
    // Every post is readable, so both indexes hold the same words and rank alike: the same
    // pages, including those across the 500th match (7 to a page: page 72 holds the 498th to
    // the 504th).
    for (page, per_page) in [(1, 10), (2, 10), (50, 10), (51, 10), (90, 10), (100, 10), (101, 10), (102, 10), (71, 7), (72, 7), (73, 7)] {
        let from_readers = store.editor_posts(&EditorQuery { per_page, ..paged(page, readers("ledger")) }).await.expect("q");
        let from_general = store.editor_posts(&EditorQuery { per_page, ..paged(page, general("ledger")) }).await.expect("q");
        assert_eq!((ids(&from_readers), from_readers.total), (ids(&from_general), from_general.total), "page {page} of {per_page}");
    }
}

/// What decides whether readers may see a post (its status, password, kind and time) changes
/// what their searches find at once, on both stores, whichever statement answers; and on
/// SQLite the reader index stays what `dateline check` expects.
pub async fn readers_find_exactly_what_they_may_see_as_it_changes(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    // The same posts and totals whichever statement answers (in an order that may differ: the
    // reader index ranks by the statistics of what readers may see).
    let found = |words: &'static str| {
        let store = store.clone();
        async move {
            let from_readers = store.editor_posts(&readers(words)).await.expect("q");
            let from_general = store.editor_posts(&general(words)).await.expect("q");
            let sorted = |page: &Page<Post>| {
                let mut ids = ids(page);
                ids.sort_unstable();
                (ids, page.total)
            };
            assert_eq!(sorted(&from_readers), sorted(&from_general), "{words}");
            let mut titles: Vec<String> = titles(&from_readers).into_iter().map(str::to_string).collect();
            titles.sort_unstable();
            titles
        }
    };
    let sound = || async { assert_eq!(test.store.check().await.expect("check"), Vec::<String>::new()) };
    let census = store.create_post(new_post("Quokka census", "<p>Counted on Rottnest.</p>")).await.expect("post");
    assert_eq!(found("quokka").await, ["Quokka census"]);
    for (status, password, shown) in [
        (PostStatus::Draft, None, false),
        (PostStatus::Private, None, false),
        (PostStatus::Published, Some("secret"), false),
        (PostStatus::Trash, None, false),
        (PostStatus::Published, None, true),
    ] {
        let mut write = PostWrite::from_post(&census);
        write.status = status;
        write.password = password.map(str::to_string);
        store.save_post(Some(census.id), write).await.expect("save");
        let expected: &[&str] = if shown { &["Quokka census"] } else { &[] };
        assert_eq!(found("quokka").await, expected, "{status:?} with password {password:?}");
        sound().await;
    }

    // Scheduled two seconds ahead: not found before its time, found from its time on, before
    // the scheduler has marked it published and after.
    let mut soon = new_post("Quokka births", "<p>Joeys seen in spring.</p>");
    soon.write.status = PostStatus::Scheduled;
    soon.write.published_at = Timestamp::now() + SignedDuration::from_secs(2);
    store.create_post(soon).await.expect("scheduled");
    assert_eq!(found("joeys").await, Vec::<String>::new());
    sound().await;
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(found("joeys").await, ["Quokka births"], "due, not yet marked published");
    store.publish_due_posts(Timestamp::now()).await.expect("publish due");
    assert_eq!(found("joeys").await, ["Quokka births"], "marked published");
    assert_eq!(found("quokka").await.len(), 2);
    sound().await;

    // A reader's query for an earlier instant (the API's `before`) does not find what was
    // published after it, though the reader index holds it now.
    let before_births = EditorQuery { published_before: Some(Timestamp::now() - SignedDuration::from_secs(5)), ..readers("quokka") };
    let earlier = store.editor_posts(&before_births).await.expect("q");
    assert_eq!((titles(&earlier), earlier.total), (vec!["Quokka census"], 1));

    // A change made outside Dateline (a status set in bulk, an SQL console) is obeyed at once:
    // SQLite's triggers take the post out of the reader index, PostgreSQL's move the time its
    // entry says readers may see it (migration 0025).
    let tomorrow = format!("published_at = {}", Timestamp::now().as_second() + 86_400);
    let again = format!("published_at = {}", census.published_at.as_second());
    for (change, expected) in [
        ("status = 'draft'", 1),
        ("status = 'published', password = 'x'", 1),
        ("password = NULL", 2),
        (tomorrow.as_str(), 1),
        (again.as_str(), 2),
        ("kind = 'page'", 1),
        ("kind = 'post'", 2),
    ] {
        test.execute(&format!("UPDATE posts SET {change} WHERE id = {}", census.id)).await;
        assert_eq!(found("quokka").await.len(), expected, "{change}");
        sound().await;
    }
    if test.url.starts_with("postgres") {
        // An entry written without its time (as an older Dateline writes during a rolling
        // upgrade) takes it from its post.
        test.execute(&format!(
            "DELETE FROM post_search WHERE post_id = {0}; INSERT INTO post_search (post_id, doc) VALUES ({0}, CAST('quokka' AS tsvector))",
            census.id
        ))
        .await;
        assert_eq!(found("quokka").await.len(), 2, "an entry written without its time");
        sound().await;
        test.execute(&format!("UPDATE post_search SET readable_from = NULL WHERE post_id = {}", census.id)).await;
        let problems = test.store.check().await.expect("check");
        assert_eq!(problems, ["the search index post_search has the wrong time readers may see 1 posts"]);
        test.execute(&format!("UPDATE posts SET status = 'draft' WHERE id = {}", census.id)).await;
    }

    store.delete_post(census.id).await.expect("delete");
    assert_eq!(found("quokka").await, ["Quokka births"]);
    sound().await;
}

/// A quoted phrase finds the same posts whichever statement answers (on SQLite the reader
/// index finds it by its word pairs): phrases of two and more words, a phrase ending in a
/// prefix, an excluded phrase, words in the wrong order, and the words at two fields' edges.
pub async fn readers_find_a_phrase_as_the_general_search_does(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    for (title, body) in [
        ("City council meets", "<p>The city council met on Monday.</p>"),
        ("Council of the city", "<p>The council of the city met.</p>"),
        ("City hall", "<p>City hall and a city councillor.</p>"),
        ("Hall of fame", "<p>The council met at city hall.</p>"),
    ] {
        store.create_post(new_post(title, body)).await.expect("post");
    }
    for (words, expected) in [
        ("\"city council\"", &["City council meets"][..]),
        ("\"the city council met\"", &["City council meets"]),
        ("\"city coun\"*", &["City council meets", "City hall"]),
        ("\"council met\"", &["City council meets", "Hall of fame"]),
        ("\"the city coun\"*", &["City council meets"]),
        ("\"city hall and a city\"", &["City hall"]),
        ("council -\"city council\"", &["Council of the city", "Hall of fame"]),
        ("\"met council\"", &[]),
    ] {
        readers_and_general_find(&*store, words, expected).await;
    }
    // The title's last word and the body's first: SQLite keeps fields apart (FTS5 columns),
    // PostgreSQL's entry runs them on as `to_tsvector(…) || to_tsvector(…)` does. Whichever a
    // store does, its readers find what its general search finds.
    let from_readers = store.editor_posts(&readers("\"meets the\"")).await.expect("q");
    let from_general = store.editor_posts(&general("\"meets the\"")).await.expect("q");
    assert_eq!((titles(&from_readers), from_readers.total), (titles(&from_general), from_general.total));
}

/// SQLite: a reader index written before word pairs (migration 21) is written again when the
/// store is opened: a phrase its old entries cannot answer is found by readers after.
pub async fn a_reader_index_from_before_word_pairs_is_written_again(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let post = test.store.create_post(new_post("Harbor budget", "<p>The harbor budget passed.</p>")).await.expect("post");
    if !test.url.starts_with("sqlite") {
        return;
    }
    test.execute(&format!(
        "INSERT INTO reader_search (reader_search) VALUES ('delete-all'); \
         INSERT INTO reader_search (rowid, title, dek, people, terms, body, joined) \
         VALUES ({}, 'harbor budget', '', '', '', 'the harbor budget passed', ''); \
         DELETE FROM dateline_migrations WHERE version = 21",
        post.id
    ))
    .await;
    assert_eq!(test.store.editor_posts(&readers("\"harbor budget\"")).await.expect("q").total, 0, "old entries have no pairs");
    let reopened = migrated_and_sound(&test.url).await;
    assert_eq!(titles(&reopened.editor_posts(&readers("\"harbor budget\"")).await.expect("q")), ["Harbor budget"]);
    assert_eq!(titles(&reopened.editor_posts(&readers("budget")).await.expect("q")), ["Harbor budget"]);
}

/// The store at `url` opened again, which runs the migrations it lacks; `dateline check` finds
/// it sound.
async fn migrated_and_sound(url: &str) -> dateline_store::SqlStore {
    let store = dateline_store::SqlStore::open(url).await.expect("migrate");
    assert_eq!(store.check().await.expect("check"), Vec::<String>::new());
    store
}

/// What the search indexes take on disk is measured on both stores, as part of the whole.
pub async fn the_search_indexes_say_what_they_take(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let (empty, _) = test.store.search_index_bytes().await.expect("sizes");
    // Enough distinct words that the indexes outgrow the pages they start with.
    for n in 0..40 {
        let body: String = (0..400).map(|w| format!("word{n}x{w} ")).collect();
        test.store.create_post(new_post(&format!("Sized {n}"), &format!("<p>{body}</p>"))).await.expect("post");
    }
    let (index, store) = test.store.search_index_bytes().await.expect("sizes");
    assert!(index > empty && index < store, "{empty} empty, then {index} of {store}");
}

/// A SQLite store from before the reader index (migration 20) gets it built when opened, and
/// readers find what they found before. PostgreSQL's entries from before they said when readers
/// may see their posts (migration 25) are told when opened.
pub async fn a_blog_from_before_the_reader_index_gets_it_built(db: Db) {
    let Some(test) = fresh(db).await else { return };
    test.store.create_post(new_post("Before the reader index", "<p>Written in Paramaribo.</p>")).await.expect("post");
    let mut later = new_post("Scheduled then", "<p>Paramaribo again, later.</p>");
    later.write.status = PostStatus::Scheduled;
    later.write.published_at = Timestamp::now() + SignedDuration::from_hours(24);
    test.store.create_post(later).await.expect("scheduled");
    if test.url.starts_with("sqlite") {
        test.execute(
            "DROP TRIGGER posts_reader_search_inserted; DROP TRIGGER posts_reader_search_changed; \
             DROP TRIGGER posts_reader_search_deleted; DROP TABLE reader_search; DROP TABLE reader_search_pending; \
             DELETE FROM dateline_migrations WHERE version = 20",
        )
        .await;
    } else {
        test.execute(
            "DROP TRIGGER posts_search_readable_from ON posts; DROP FUNCTION dateline_post_readable_from(); \
             DROP FUNCTION dateline_entry_readable_from() CASCADE; DROP FUNCTION dateline_readable_from; ALTER TABLE post_search DROP COLUMN readable_from; \
             DELETE FROM dateline_migrations WHERE version = 25",
        )
        .await;
    }
    let reopened = migrated_and_sound(&test.url).await;
    assert_eq!(titles(&reopened.editor_posts(&readers("paramaribo")).await.expect("q")), ["Before the reader index"]);
    assert_eq!(titles(&reopened.editor_posts(&general("paramaribo")).await.expect("q")), ["Before the reader index"]);
}

/// SQLite: a reader's search is answered from the reader index (an entry taken out of it by
/// hand is not found by readers, while an editor's search still finds the post), and `dateline
/// check` says the index is short.
pub async fn readers_are_answered_from_the_reader_index(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let post = store.create_post(new_post("Tapir tracks", "<p>Seen near the river.</p>")).await.expect("post");
    assert_eq!(titles(&store.editor_posts(&readers("tapir")).await.expect("q")), ["Tapir tracks"]);
    if !test.url.starts_with("sqlite") {
        return;
    }
    test.execute(&format!("DELETE FROM reader_search WHERE rowid = {}", post.id)).await;
    assert_eq!(store.editor_posts(&readers("tapir")).await.expect("q").total, 0, "answered from the reader index");
    assert_eq!(titles(&store.editor_posts(&general("tapir")).await.expect("q")), ["Tapir tracks"]);
    let problems = test.store.check().await.expect("check");
    assert_eq!(problems, ["the search index reader_search has 0 entries for 1 posts readers may see"]);
}

/// SQLite: every page of a reader's search, in either order, comes from the reader index in one
/// statement (an entry taken out of it by hand stays out of every page and of the total, which
/// a fallback to the general statement would bring back); equally ranked matches follow their
/// ids in the order asked, and a page past the end is empty with the total still said.
/// A prefix finds the same posts whichever statement answers: on SQLite the reader index asks a
/// prefix that starts few of its words as those words, and one that starts more (or none) as a
/// prefix. Required, excluded, beside a phrase's prefix, and with a post the reader index was
/// made to lose, which proves it answered.
pub async fn readers_find_a_prefix_as_the_general_search_does(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    // Seventeen words start `zz`: more than the reader index asks as words.
    let many: Vec<String> = (b'a'..=b'q').map(|c| format!("zz{}", char::from(c))).collect();
    let mut made = Vec::new();
    for (title, body) in [
        ("Flood warning", "<p>The river may flood tonight.</p>".to_string()),
        ("Floods again", "<p>Floods and flooding in the valley.</p>".to_string()),
        ("Floodgates open", format!("<p>The floodgates and {}.</p>", many.join(" "))),
        ("Dry summer", "<p>No rain, zzq only.</p>".to_string()),
        ("Fire season", "<p>Smoke over the hills.</p>".to_string()),
    ] {
        made.push(store.create_post(new_post(title, &body)).await.expect("post").id);
    }
    let cases: [(&str, &[&str]); 8] = [
        ("flood*", &["Flood warning", "Floodgates open", "Floods again"]),
        ("floods*", &["Floods again"]),
        ("flood* -floodg*", &["Flood warning", "Floods again"]),
        ("smoke -flood*", &["Fire season"]),
        ("zz*", &["Dry summer", "Floodgates open"]),
        ("zzq* flood*", &["Floodgates open"]),
        ("\"the flood\"*", &["Floodgates open"]),
        ("drought*", &[]),
    ];
    for (words, expected) in cases {
        readers_and_general_find(&*store, words, expected).await;
    }
    if !test.url.starts_with("sqlite") {
        return;
    }
    // Taken out of the reader index by hand, the floodgates stay out of what readers find:
    // each kind of prefix was answered by the reader index, not the general statement.
    test.execute(&format!("DELETE FROM reader_search WHERE rowid = {}", made[2])).await;
    for (words, expected) in [("flood*", &["Flood warning", "Floods again"][..]), ("zz*", &["Dry summer"])] {
        let found = store.editor_posts(&readers(words)).await.expect("q");
        let mut found_titles = titles(&found);
        found_titles.sort_unstable();
        assert_eq!((found_titles, found.total), (expected.to_vec(), expected.len() as u64), "{words} from the reader index");
    }
}

/// A reader's results page comes with the site frame (the categories and the navigation's
/// pages), the same as the two asked apart: from the reader index, from the general statement
/// (newest first), and when the reader index lags and the general statement answers instead.
pub async fn a_readers_search_page_brings_the_site_frame(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let made = tapir_posts(&*store, 3).await;
    for title in ["About", "Contact"] {
        let mut page = new_post(title, "<p>A page.</p>");
        page.write.kind = PostKind::Page;
        store.create_post(page).await.expect("page");
    }
    for name in ["Politics", "Economy"] {
        store.create_term(Taxonomy::Category, name, &name.to_lowercase(), "", None).await.expect("category");
    }
    let check = |label: &'static str| {
        let store = store.clone();
        async move {
            for (query, pages) in [
                (EditorQuery { per_page: 2, ..readers("tapir") }, 20),
                (EditorQuery { per_page: 2, page: 2, ..readers("tapir") }, 1),
                (EditorQuery { per_page: 2, order: PostOrder::Date, ..readers("tapir") }, 20),
            ] {
                let (page, frame) = store.readers_search_page(&query, pages).await.expect("search page");
                let alone = store.editor_posts(&query).await.expect("posts");
                assert_eq!((ids(&page), page.total), (ids(&alone), alone.total), "{label}: {query:?}");
                let now = query.published_before.expect("a reader's query has its time");
                assert_eq!(frame, store.site_frame(now, pages).await.expect("frame"), "{label}: {query:?}");
                assert_eq!((frame.categories.len(), frame.pages.len()), (2, pages.min(2) as usize), "{label}");
            }
        }
    };
    check("answered as it comes").await;
    if test.url.starts_with("sqlite") {
        // A queued post whose time has come: the reader index lags, the general statement
        // answers, and the frame is asked for on its own.
        test.execute(&format!("INSERT OR REPLACE INTO reader_search_pending (post_id, at) VALUES ({}, 0)", made[0])).await;
        check("the reader index lagging").await;
    }
}

pub async fn readers_pages_come_from_the_reader_index_in_either_order(db: Db) {
    let Some(test) = fresh(db).await else { return };
    let store = test.dyn_store();
    let made = tapir_posts(&*store, 12).await;
    if !test.url.starts_with("sqlite") {
        return;
    }
    let gone = made[5];
    test.execute(&format!("DELETE FROM reader_search WHERE rowid = {gone}")).await;
    for ascending in [false, true] {
        let mut expected: Vec<PostId> = made.iter().copied().filter(|id| *id != gone).collect();
        if !ascending {
            expected.reverse();
        }
        for (page, per_page) in [(1, 5), (2, 5), (3, 5), (4, 5), (1, 50)] {
            let found = store.editor_posts(&EditorQuery { ascending, page, per_page, ..readers("tapir") }).await.expect("q");
            let from = usize::try_from((page - 1) * per_page).expect("skip");
            let want: Vec<PostId> = expected.iter().copied().skip(from).take(per_page as usize).collect();
            assert_eq!((ids(&found), found.total), (want, 11), "ascending {ascending}, page {page} of {per_page}");
        }
    }
}
