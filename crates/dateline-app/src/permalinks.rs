//! Where things live on the site: WordPress's address scheme, the one place that writes it
//! (pages, feeds, the API, mail and the export all link with these).

use dateline_core::{Post, PostKind, PostLink, Taxonomy, Term, User};
use jiff::Timestamp;

/// The permalink path of a post (`/YYYY/MM/DD/slug/`, date in the site's zone) or page (`/slug/`).
pub fn permalink(time_zone: &jiff::tz::TimeZone, post: &Post) -> String {
    path_of(time_zone, post.kind, &post.slug, post.published_at)
}

/// The permalink path of a post named by a link (a related post, a page in the navigation).
pub fn link_path(time_zone: &jiff::tz::TimeZone, link: &PostLink) -> String {
    path_of(time_zone, link.kind, &link.slug, link.published_at)
}

/// The permalink path from its parts (for lists that do not load whole posts).
pub fn path_of(time_zone: &jiff::tz::TimeZone, kind: PostKind, slug: &str, published_at: Timestamp) -> String {
    match kind {
        PostKind::Page => format!("/{slug}/"),
        PostKind::Post => {
            let date = published_at.to_zoned(time_zone.clone()).date();
            format!("/{:04}/{:02}/{:02}/{slug}/", date.year(), date.month(), date.day())
        }
    }
}

/// A category's archive path lives under its parents' slugs (`all_categories` gives them); a
/// tag's is `/tag/slug/`.
pub fn term_path(term: &Term, all_categories: Option<&[Term]>) -> String {
    match term.taxonomy {
        Taxonomy::Tag => format!("/tag/{}/", term.slug),
        Taxonomy::Category => {
            let mut slugs = vec![term.slug.clone()];
            let mut parent = term.parent_id;
            while let (Some(id), Some(all)) = (parent, all_categories) {
                match all.iter().find(|t| t.id == id) {
                    // (Bounded: a damaged hierarchy with a loop ends here.)
                    Some(p) if slugs.len() < 16 => {
                        slugs.push(p.slug.clone());
                        parent = p.parent_id;
                    }
                    _ => break,
                }
            }
            slugs.reverse();
            format!("/category/{}/", slugs.join("/"))
        }
    }
}

/// An author's archive path.
pub fn author_path(user: &User) -> String {
    format!("/author/{}/", user.slug)
}
