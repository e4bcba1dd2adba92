//! The benchmark's WordPress export (WXR 1.2), generated deterministically: the same
//! arguments give the same bytes on every run and every machine (a small linear
//! congruential generator, no dependency).
//!
//! The shape is what the `serve` measurements need, and `wxr-import` imports the same file:
//! post 1 has exactly [`BIG_POST_COMMENTS`] approved comments and post 2 exactly
//! [`MEDIUM_POST_COMMENTS`] (every third a reply to an earlier one), the rest are spread over
//! the other posts; post 2 also holds the pending comments the fresh phase approves; every
//! post has one category out of 20 and one tag out of [`TAGS`], so a tag archive has many
//! pages. For `search`, the text has words in every post ([`Words::COMMON`]), words in some
//! (one word in eight comes from [`Words::UNCOMMON`]) and a few named mentions in a handful of
//! posts ([`MENTIONS`], accented names among them). This module knows nothing of how the file
//! is imported or served.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;

/// Approved comments on post 1 (the "1,000 comments" page).
pub const BIG_POST_COMMENTS: usize = 1_000;
/// Approved comments on post 2 (the "100 comments" page).
pub const MEDIUM_POST_COMMENTS: usize = 100;
/// Tags `tag-0` … `tag-9`; post `p` has tag `tag-{p % TAGS}`.
pub const TAGS: usize = 10;
/// Categories `cat-0` … `cat-19`.
const CATEGORIES: usize = 20;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Published posts, ids 1..=posts.
    pub posts: usize,
    /// Approved comments over all posts (posts 1 and 2 first, as far as there are enough).
    pub comments: usize,
    /// Held comments (`wp:comment_approved` 0) on post 2, dated after its approved ones.
    pub pending: usize,
}

impl Workload {
    /// Approved comments on each post, index 0 = post 1.
    fn approved_per_post(&self) -> Vec<usize> {
        let posts = self.posts.max(1);
        let mut counts = vec![0; posts];
        let mut left = self.comments;
        counts[0] = left.min(BIG_POST_COMMENTS);
        left -= counts[0];
        if posts >= 2 {
            counts[1] = left.min(MEDIUM_POST_COMMENTS);
            left -= counts[1];
        }
        if posts >= 3 {
            let rest = posts - 2;
            for (i, count) in counts.iter_mut().skip(2).enumerate() {
                *count = left / rest + usize::from(i < left % rest);
            }
        } else {
            counts[posts - 1] += left;
        }
        counts
    }
}

/// The path of post `p` as the export links it (WordPress's `/%year%/%monthnum%/%day%/%postname%/`).
pub fn post_path(p: usize) -> String {
    let (year, month, day) = post_day(p);
    format!("/{year:04}/{month:02}/{day:02}/post-{p}/")
}

fn post_day(p: usize) -> (usize, usize, usize) {
    (2010 + p / 336, 1 + (p / 28) % 12, 1 + p % 28)
}

/// Sentences that only some posts carry, so a search has rare words and names to find: post
/// `p` ends its first paragraph with `sentence` when `p % every == 0` (10,000 posts: 47, 57, 67
/// and 10 posts; 1,000 posts: 4, 5, 6 and 1).
pub const MENTIONS: [(usize, &str); 4] = [
    (211, "President Miguel Díaz-Canel spoke about the harbor."),
    (173, "Flights from São Paulo were delayed by the weather."),
    (149, "The referendum in Zürich drew a record turnout."),
    (997, "A zeppelin was seen over the river."),
];

/// Deterministic filler text.
struct Words(u64);

impl Words {
    /// Seven words in eight: each of these is in nearly every post.
    const COMMON: &'static [&'static str] = &[
        "council", "harbor", "budget", "transit", "reporter", "story", "vote", "city", "rail", "school", "weather", "court", "housing",
        "market", "science", "river", "bridge", "policy", "election", "museum", "festival", "hospital", "energy",
    ];
    /// One word in eight: each of these is in about two posts in five.
    const UNCOMMON: &'static [&'static str] = &[
        "zoning", "ferry", "tunnel", "library", "stadium", "pension", "tariff", "drought", "vaccine", "subway", "airport", "lawsuit",
        "landlord", "mayor", "senator", "protest", "strike", "wildfire", "flood", "floods", "flooding", "novel", "startup", "bakery",
        "pharmacy", "glacier", "vineyard", "harvest", "ballot", "census", "curfew", "heatwave", "mortgage", "sewer", "tram", "bicycle",
        "embassy", "fishery", "graduate", "highway", "marathon", "newsroom", "quarry", "shipyard", "volcano", "opera", "canal", "pier",
        "lottery", "parade", "referee", "midwife", "inventor", "comedian", "surgeon", "sculptor", "rowing", "archive", "chess", "ferries",
    ];

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut text = String::new();
        for i in 0..words {
            if i > 0 {
                text.push(' ');
            }
            let list = if self.next().is_multiple_of(8) { Self::UNCOMMON } else { Self::COMMON };
            text.push_str(list[(self.next() as usize) % list.len()]);
        }
        text.push('.');
        text
    }
}

/// Writes the export to `path`; returns its size in bytes.
pub fn generate(path: &Path, workload: Workload) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    write_export(&mut out, workload)?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn write_export(out: &mut impl Write, workload: Workload) -> anyhow::Result<()> {
    let mut words = Words(42);
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>")?;
    writeln!(
        out,
        "<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">"
    )?;
    writeln!(
        out,
        "<channel><title>Bench</title><link>https://bench.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>"
    )?;
    writeln!(
        out,
        "<wp:author><wp:author_login>editor</wp:author_login><wp:author_display_name>Editor</wp:author_display_name></wp:author>"
    )?;
    for c in 0..CATEGORIES {
        writeln!(
            out,
            "<wp:category><wp:category_nicename>cat-{c}</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name>Category {c}</wp:cat_name></wp:category>"
        )?;
    }
    for t in 0..TAGS {
        writeln!(out, "<wp:tag><wp:tag_slug>tag-{t}</wp:tag_slug><wp:tag_name><![CDATA[Tag {t}]]></wp:tag_name></wp:tag>")?;
    }
    let approved = workload.approved_per_post();
    let pending_post = workload.posts.clamp(1, 2);
    let mut comment_id = 0;
    for p in 1..=workload.posts {
        let (year, month, day) = post_day(p);
        let (hour, minute) = (p % 24, p % 60);
        let date = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:00");
        let mut paragraphs: Vec<String> = (0..6).map(|_| words.sentence(40)).collect();
        for (every, sentence) in MENTIONS {
            if p % every == 0 {
                paragraphs[0].push(' ');
                paragraphs[0].push_str(sentence);
            }
        }
        writeln!(out, "<item><title>Post {p}: {}</title><link>https://bench.example{}</link>", words.sentence(6), post_path(p))?;
        writeln!(
            out,
            "<dc:creator><![CDATA[editor]]></dc:creator><content:encoded><![CDATA[{}]]></content:encoded>",
            paragraphs.join("\n\n")
        )?;
        writeln!(
            out,
            "<wp:post_id>{p}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
        )?;
        writeln!(
            out,
            "<wp:post_name>post-{p}</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order><wp:post_type>post</wp:post_type><wp:is_sticky>0</wp:is_sticky>"
        )?;
        writeln!(out, "<category domain=\"category\" nicename=\"cat-{0}\"><![CDATA[Category {0}]]></category>", p % CATEGORIES)?;
        writeln!(out, "<category domain=\"post_tag\" nicename=\"tag-{0}\"><![CDATA[Tag {0}]]></category>", p % TAGS)?;
        writeln!(out, "<wp:postmeta><wp:meta_key>views</wp:meta_key><wp:meta_value>{p}</wp:meta_value></wp:postmeta>")?;
        let first = comment_id + 1;
        for k in 0..approved[p - 1] {
            comment_id += 1;
            // Every third comment replies to an earlier one on the same post.
            let parent = if k % 3 == 2 { first + (words.next() as usize % k.max(1)) } else { 0 };
            let text = words.sentence(25);
            write_comment(out, comment_id, &format!("Reader {k}"), k, &date, &text, true, parent)?;
        }
        if p == pending_post {
            // Held comments, each a second after the one before and all after the approved
            // ones: approved oldest first, each becomes the post's newest visible comment.
            let base = hour * 3600 + minute * 60;
            for k in 0..workload.pending {
                comment_id += 1;
                let second = (base + 1 + k).min(86_399);
                let when = format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", second / 3600, second / 60 % 60, second % 60);
                let text = format!("Held {k}: {}", words.sentence(20));
                write_comment(out, comment_id, &format!("Late reader {k}"), k, &when, &text, false, 0)?;
            }
        }
        writeln!(out, "</item>")?;
    }
    writeln!(out, "</channel></rss>")?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one line of the export's XML, field by field")]
fn write_comment(
    out: &mut impl Write,
    id: usize,
    author: &str,
    k: usize,
    date: &str,
    text: &str,
    approved: bool,
    parent: usize,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[{author}]]></wp:comment_author><wp:comment_author_email>r{k}@example.org</wp:comment_author_email><wp:comment_author_IP>192.0.2.{}</wp:comment_author_IP><wp:comment_date_gmt>{date}</wp:comment_date_gmt><wp:comment_content><![CDATA[{text}]]></wp:comment_content><wp:comment_approved>{}</wp:comment_approved><wp:comment_type></wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>",
        k % 250,
        u8::from(approved)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_one_and_two_have_their_exact_counts() {
        let counts = Workload { posts: 1_000, comments: 20_000, pending: 0 }.approved_per_post();
        assert_eq!(counts[0], 1_000);
        assert_eq!(counts[1], 100);
        assert_eq!(counts.iter().sum::<usize>(), 20_000);
        assert!(counts[2..].iter().all(|&n| n == 18 || n == 19));
    }

    #[test]
    fn small_workloads_still_add_up() {
        for (posts, comments) in [(1, 5), (2, 1_050), (3, 2_000), (10, 0)] {
            let counts = Workload { posts, comments, pending: 0 }.approved_per_post();
            assert_eq!(counts.iter().sum::<usize>(), comments, "{posts} posts, {comments} comments");
        }
    }

    #[test]
    fn the_export_is_deterministic_and_holds_what_it_promises() {
        let workload = Workload { posts: 30, comments: 1_200, pending: 7 };
        let mut first = Vec::new();
        write_export(&mut first, workload).expect("write");
        let mut second = Vec::new();
        write_export(&mut second, workload).expect("write");
        assert_eq!(first, second);
        let text = String::from_utf8(first).expect("utf-8");
        assert_eq!(text.matches("<wp:comment_approved>1<").count(), 1_200);
        assert_eq!(text.matches("<wp:comment_approved>0<").count(), 7);
        assert_eq!(text.matches("<wp:tag>").count(), TAGS);
        assert_eq!(text.matches("domain=\"post_tag\" nicename=\"tag-0\"").count(), 3);
        assert!(text.contains(&format!("<link>https://bench.example{}</link>", post_path(2))));
    }

    #[test]
    fn mentions_are_in_the_posts_they_promise() {
        let mut out = Vec::new();
        write_export(&mut out, Workload { posts: 1_000, comments: 0, pending: 0 }).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        for (every, sentence) in MENTIONS {
            assert_eq!(text.matches(sentence).count(), 1_000 / every, "{sentence}");
        }
    }
}
