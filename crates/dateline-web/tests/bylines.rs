//! Outlets and reporters on the site (issue 10): their pages with pagination and feeds, the
//! sitemap, the attribution line's links and "More via", related posts, the API, and the
//! admin's rename and merge (with the old address answering 301), on both stores.

use axum::http::StatusCode;
use dateline_core::{BylineKind, Role};
use dateline_testkit::Db;
use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "a long enough password";
const STORY: &str = "https://www.miamiherald.com/news/nation-world/world/americas/cuba/article261660557.html";

/// A published post quoting `reporter` of `outlet`.
fn quoting(title: &str, date: &str, reporter: &str, outlet: &str, url: &str, tags: &[&str]) -> String {
    post_json(
        title,
        date,
        json!({
            "source": { "reporter": reporter, "outlet": outlet, "url": url, "excerpt": [format!("Quoted in {title}.")] },
            "tags": tags,
        }),
    )
}

fn hrefs(html: &scraper::Html, selector: &str) -> Vec<String> {
    let selector = scraper::Selector::parse(selector).expect("selector");
    html.select(&selector).filter_map(|e| e.value().attr("href").map(str::to_string)).collect()
}

pub async fn outlet_and_reporter_pages_list_their_posts_with_feeds(db: Db) {
    let Some(app) = TestApp::builder(db).config(|c| c.site.posts_per_page = 2).build().await else { return };
    let base = app.state.site().base_url.clone();
    app.post(&quoting("First", "2024-05-01T10:00:00Z", "Nora Gámez Torres", "Miami Herald", STORY, &["cuba"])).await;
    app.post(&quoting("Second", "2024-05-02T10:00:00Z", "Nora Gámez Torres and Mario Pentón", "The Miami Herald", STORY, &[])).await;
    let third =
        app.post(&quoting("Third", "2024-05-03T10:00:00Z", "Mario Pentón", "miamiherald.com", "https://miamiherald.com/x", &[])).await;
    app.post(&quoting("Elsewhere", "2024-05-04T10:00:00Z", "Bo Li", "CiberCuba", "https://www.cibercuba.com/a", &[])).await;

    // The outlet's page: newest first, paginated like any archive.
    let page = app.get("/source/miami-herald/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = page.html();
    assert_eq!(text(&html, "h1.archive-title"), "Source: Miami Herald");
    assert_eq!(texts(&html, "article .post-title"), ["Third", "Second"]);
    assert_eq!(hrefs(&html, ".pagination a.older"), ["/source/miami-herald/page/2/"]);
    let two = app.get("/source/miami-herald/page/2/").await;
    assert_eq!(texts(&two.html(), "article .post-title"), ["First"]);
    assert_eq!(app.get("/source/miami-herald/page/3/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/source/no-such-outlet/").await.status, StatusCode::NOT_FOUND);
    // Its feeds, offered in the head and on the page.
    let alternates: Vec<(String, String)> = {
        let selector = scraper::Selector::parse("link[rel=alternate]").expect("selector");
        html.select(&selector)
            .map(|e| (e.value().attr("type").unwrap_or("").to_string(), e.value().attr("href").unwrap_or("").to_string()))
            .collect()
    };
    for (mime, tail) in [("application/rss+xml", "feed/"), ("application/atom+xml", "feed/atom/"), ("application/feed+json", "feed/json/")]
    {
        let href = format!("{base}/source/miami-herald/{tail}");
        assert!(alternates.contains(&(mime.to_string(), href.clone())), "{href} in {alternates:?}");
    }
    assert_eq!(
        hrefs(&html, ".archive-feeds a"),
        ["/source/miami-herald/feed/", "/source/miami-herald/feed/atom/", "/source/miami-herald/feed/json/"]
    );
    let rss = app.get("/source/miami-herald/feed/").await;
    assert_eq!(rss.status, StatusCode::OK);
    assert!(rss.header("content-type").starts_with("application/rss+xml"));
    assert!(
        rss.body.contains("<title>Third</title>") && rss.body.contains("<title>Second</title>") && !rss.body.contains("Elsewhere"),
        "{}",
        rss.body
    );
    let atom = app.get("/source/miami-herald/feed/atom/").await;
    assert!(atom.header("content-type").starts_with("application/atom+xml"));
    assert!(atom.body.contains(&format!("{base}/source/miami-herald/feed/atom/")));
    let feed: Value = serde_json::from_str(&app.get("/reporter/mario-penton/feed/json/").await.body).expect("json feed");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"].as_str().map(|t| t.ends_with("» Mario Pentón")), Some(true));
    assert_eq!(feed["home_page_url"], format!("{base}/reporter/mario-penton/"));
    assert_eq!(feed["feed_url"], format!("{base}/reporter/mario-penton/feed/json/"));
    let titles: Vec<&str> = feed["items"].as_array().expect("items").iter().filter_map(|i| i["title"].as_str()).collect();
    assert_eq!(titles, ["Third", "Second"]);

    // The reporter's page.
    let reporter = app.get("/reporter/nora-gamez-torres/").await;
    assert_eq!(text(&reporter.html(), "h1.archive-title"), "Reporter: Nora Gámez Torres");
    assert_eq!(texts(&reporter.html(), "article .post-title"), ["Second", "First"]);

    // The sitemap lists both kinds of page.
    let sitemap = app.get("/sitemap.xml").await.body;
    for path in
        ["/source/miami-herald/", "/source/cibercuba/", "/reporter/nora-gamez-torres/", "/reporter/mario-penton/", "/reporter/bo-li/"]
    {
        assert!(sitemap.contains(&format!("<loc>{base}{path}</loc>")), "{path} in {sitemap}");
    }

    // The post page: each reporter linked, "More via" the outlet after the quote.
    let page = app.get(&app.permalink(&third)).await.html();
    assert_eq!(hrefs(&page, ".attribution a.reporter"), [format!("{base}/reporter/mario-penton/")]);
    assert_eq!(text(&page, ".attribution"), "Mario Pentón reports via miamiherald.com:");
    assert_eq!(text(&page, ".more-via"), "More via Miami Herald");
    assert_eq!(hrefs(&page, ".more-via a"), [format!("{base}/source/miami-herald/")]);
    let second = app.test_store.dyn_store().post_by_slug(dateline_core::PostKind::Post, "second").await.expect("q").expect("post");
    let page = app.get(&app.permalink(&second)).await.html();
    assert_eq!(text(&page, ".attribution"), "Nora Gámez Torres and Mario Pentón report via The Miami Herald:");
    assert_eq!(
        hrefs(&page, ".attribution a.reporter"),
        [format!("{base}/reporter/nora-gamez-torres/"), format!("{base}/reporter/mario-penton/")]
    );
    // Related: the same story first, then the same reporter or outlet; never itself.
    assert_eq!(texts(&page, ".related li a"), ["First", "Third"]);
    assert_eq!(text(&page, "#related-title"), "Related");
}

pub async fn the_api_lists_outlets_and_reporters_and_links_posts_to_them(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&quoting("First", "2024-05-01T10:00:00Z", "Ana Ruiz & Bo Li", "Miami Herald", STORY, &[])).await;
    for n in 0..11 {
        app.post(&quoting(&format!("P{n}"), "2024-05-02T10:00:00Z", &format!("Reporter {n}"), "CiberCuba", "https://cibercuba.com/a", &[]))
            .await;
    }
    let outlets = app.get("/wp-json/dateline/v1/outlets").await;
    assert_eq!(outlets.status, StatusCode::OK);
    assert_eq!(outlets.header("x-wp-total"), "2");
    let list: Value = serde_json::from_str(&outlets.body).expect("json");
    assert_eq!(list[1]["name"], "Miami Herald");
    assert_eq!(list[1]["slug"], "miami-herald");
    assert_eq!(list[1]["count"], 1);
    assert_eq!(list[1]["domains"], json!(["miamiherald.com"]));
    assert_eq!(list[1]["link"], format!("{}/source/miami-herald/", app.state.site().base_url));
    // WordPress's pagination: 13 reporters, 10 to a page.
    let reporters = app.get("/wp-json/dateline/v1/reporters").await;
    assert_eq!((reporters.header("x-wp-total"), reporters.header("x-wp-totalpages")), ("13", "2"));
    assert!(reporters.header("link").contains("rel=\"next\""), "{}", reporters.header("link"));
    let page_two: Value = serde_json::from_str(&app.get("/wp-json/dateline/v1/reporters?page=2").await.body).expect("json");
    assert_eq!(page_two.as_array().map(Vec::len), Some(3));
    assert_eq!(app.get("/wp-json/dateline/v1/reporters?page=3").await.status, StatusCode::BAD_REQUEST);

    // The post object names them by id; each id answers.
    let json: Value = serde_json::from_str(&app.get(&format!("/wp-json/wp/v2/posts/{}", post.id)).await.body).expect("json");
    let outlet = json["dateline_outlet"].as_i64().expect("an outlet id");
    let reporters: Vec<i64> = json["dateline_reporters"].as_array().expect("ids").iter().filter_map(Value::as_i64).collect();
    assert_eq!(reporters.len(), 2);
    let one: Value = serde_json::from_str(&app.get(&format!("/wp-json/dateline/v1/outlets/{outlet}")).await.body).expect("json");
    assert_eq!(one["name"], "Miami Herald");
    let first: Value =
        serde_json::from_str(&app.get(&format!("/wp-json/dateline/v1/reporters/{}", reporters[0])).await.body).expect("json");
    assert_eq!(first["name"], "Ana Ruiz");
    let missing = app.get("/wp-json/dateline/v1/outlets/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(serde_json::from_str::<Value>(&missing.body).expect("json")["code"], "dateline_outlet_invalid");
    assert_eq!(app.get("/wp-json/dateline/v1/outlets/x").await.status, StatusCode::NOT_FOUND);
}

pub async fn editors_rename_and_merge_and_old_addresses_redirect(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    app.post(&quoting("One", "2024-05-01T10:00:00Z", "Nora Gamez", "Miami Herald", STORY, &[])).await;
    let two =
        app.post(&quoting("Two", "2024-05-02T10:00:00Z", "Nora Gámez Torres", "miamiherald", "https://example.org/syndicated", &[])).await;
    let store = app.test_store.dyn_store();
    let outlets = store.bylines(BylineKind::Outlet, jiff::Timestamp::now()).await.expect("outlets");
    let (herald, other) = (outlets[0].id, outlets[1].id);
    assert_eq!(outlets[1].slug, "miamiherald");

    // Who may: editors and administrators; authors and contributors are refused.
    for role in ROLES {
        let login = format!("{}-user", role.as_str());
        app.user(&login, role, PASSWORD).await;
        let cookie = app.login(&login, PASSWORD).await.expect("login");
        let list = app.get_as("/admin/outlets", &cookie).await;
        let allowed = matches!(role, Role::Administrator | Role::Editor);
        assert_eq!(list.status == StatusCode::OK, allowed, "{role:?} sees the list: {}", list.status);
        let menu = hrefs(&app.get_as("/admin/", &cookie).await.html(), "nav a");
        assert_eq!(menu.contains(&"/admin/reporters".to_string()), allowed, "{role:?}: {menu:?}");
        if !allowed {
            let csrf = app.admin_csrf(&cookie).await;
            let refused = app.post_form(&format!("/admin/outlets/{herald}/rename"), &cookie, &[("_csrf", &csrf), ("name", "X")]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role:?}");
        }
    }
    let cookie = app.login("editor-user", PASSWORD).await.expect("login");
    let csrf = app.admin_csrf(&cookie).await;
    let list = app.get_as("/admin/outlets", &cookie).await.html();
    assert_eq!(texts(&list, "tbody tr td:first-child"), ["Miami Herald", "miamiherald"]);

    // No token, no change.
    let forged = app.post_form(&format!("/admin/outlets/{herald}/rename"), &cookie, &[("name", "X"), ("slug", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // A bad domain is refused with the reason.
    let bad = app
        .post_form(
            &format!("/admin/outlets/{herald}/rename"),
            &cookie,
            &[("_csrf", &csrf), ("name", "Miami Herald"), ("domains", "not a domain")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&bad.html(), ".form-error").contains("“not” is not a web domain"), "{}", bad.body);
    // Rename: name, slug and domains.
    let renamed = app
        .post_form(
            &format!("/admin/outlets/{herald}/rename"),
            &cookie,
            &[("_csrf", &csrf), ("name", "The Miami Herald"), ("slug", "herald"), ("domains", "www.miamiherald.com, elnuevoherald.com")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER, "{}", renamed.body);
    let moved = app.get("/source/miami-herald/").await;
    assert_eq!((moved.status, moved.header("location")), (StatusCode::MOVED_PERMANENTLY, "/source/herald/"));
    assert_eq!(app.get("/source/miami-herald/feed/atom/").await.header("location"), "/source/herald/feed/atom/");
    assert_eq!(app.get("/source/miami-herald/page/2/").await.header("location"), "/source/herald/page/2/");
    // A slug another has is refused.
    let taken =
        app.post_form(&format!("/admin/outlets/{other}/rename"), &cookie, &[("_csrf", &csrf), ("name", "M"), ("slug", "herald")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    // Merge: the other's posts move, its address leads to the survivor.
    let merged = app.post_form(&format!("/admin/outlets/{other}/merge"), &cookie, &[("_csrf", &csrf), ("into", &herald.to_string())]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let gone = app.get("/source/miamiherald/").await;
    assert_eq!((gone.status, gone.header("location")), (StatusCode::MOVED_PERMANENTLY, "/source/herald/"));
    let survivor = app.get("/source/herald/").await.html();
    assert_eq!(text(&survivor, "h1.archive-title"), "Source: The Miami Herald");
    assert_eq!(texts(&survivor, "article .post-title"), ["Two", "One"]);
    // The post page follows at once (the page cache heard of the change).
    assert_eq!(text(&app.get(&app.permalink(&two)).await.html(), ".more-via"), "More via The Miami Herald");
    let list = app.get_as("/admin/outlets", &cookie).await.html();
    assert_eq!(texts(&list, "tbody tr td:first-child"), ["The Miami Herald"]);
    assert_eq!(texts(&list, "tbody tr td:nth-child(3)"), ["elnuevoherald.com, example.org, miamiherald.com"]);

    // Reporters merge the same way.
    let reporters = store.bylines(BylineKind::Reporter, jiff::Timestamp::now()).await.expect("reporters");
    let (short, long) = (reporters[0].id, reporters[1].id);
    let self_merge =
        app.post_form(&format!("/admin/reporters/{short}/merge"), &cookie, &[("_csrf", &csrf), ("into", &short.to_string())]).await;
    assert_eq!(self_merge.status, StatusCode::UNPROCESSABLE_ENTITY);
    let merged = app.post_form(&format!("/admin/reporters/{short}/merge"), &cookie, &[("_csrf", &csrf), ("into", &long.to_string())]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/reporter/nora-gamez/").await.header("location"), "/reporter/nora-gamez-torres/");
    assert_eq!(texts(&app.get("/reporter/nora-gamez-torres/").await.html(), "article .post-title"), ["Two", "One"]);
    assert_eq!(
        app.post_form("/admin/reporters/99999/merge", &cookie, &[("_csrf", &csrf), ("into", "1")]).await.status,
        StatusCode::NOT_FOUND
    );
}

pub async fn a_merge_by_another_process_reaches_every_instances_pages_within_a_second(db: Db) {
    let Some(app) = TestApp::new(db).await else { return };
    let post = app.post(&quoting("One", "2024-05-01T10:00:00Z", "Ana Ruiz", "Miami Herald", STORY, &[])).await;
    app.post(&quoting("Two", "2024-05-02T10:00:00Z", "Bo Li", "El Nuevo Herald", "https://elnuevoherald.com/a", &[])).await;
    let other = app.second_instance().await;
    let path = app.permalink(&post);
    // Both instances keep the pages as they are now.
    for router in [&app.router, &other] {
        assert!(crate::cache::within_a_second(router, &path, |page| page.body.contains("More via Miami Herald")).await.as_millis() < 1500);
        assert_eq!(
            TestApp::send_to(
                router,
                [192, 0, 2, 31],
                axum::http::Request::get("/source/el-nuevo-herald/").body(axum::body::Body::empty()).expect("r")
            )
            .await
            .status,
            StatusCode::OK
        );
    }
    // Another process merges the Miami Herald into El Nuevo Herald and renames it.
    let store = app.test_store.dyn_store();
    let outlets = store.bylines(BylineKind::Outlet, jiff::Timestamp::now()).await.expect("outlets");
    let (nuevo, herald) = (outlets[0].id, outlets[1].id);
    store.merge_bylines(BylineKind::Outlet, herald, nuevo).await.expect("merge");
    store.update_byline(BylineKind::Outlet, nuevo, "McClatchy Miami", "mcclatchy-miami", &[]).await.expect("rename");
    for router in [&app.router, &other] {
        crate::cache::within_a_second(router, &path, |page| page.body.contains("More via McClatchy Miami")).await;
        crate::cache::within_a_second(router, "/source/miami-herald/", |page| page.header("location") == "/source/mcclatchy-miami/").await;
        crate::cache::within_a_second(router, "/source/el-nuevo-herald/", |page| page.status == StatusCode::MOVED_PERMANENTLY).await;
    }
}
