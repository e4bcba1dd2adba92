//! The theme's templates: built into the binary, each overridable by a file of the same name
//! in the theme directory's `templates/` (`--theme DIR`). Names are checked so a template
//! reference can never read outside that directory.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::StatusCode;
use minijinja::{Environment, Value, context};

use crate::assets::{Assets, safe_join};
use crate::view::CommentView;
use crate::{AppError, Site};

mod comment_sections;
mod comment_threads;

pub(crate) use comment_sections::ShownComments;

const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../theme/templates/base.html")),
    ("macros.html", include_str!("../../theme/templates/macros.html")),
    ("index.html", include_str!("../../theme/templates/index.html")),
    ("search.html", include_str!("../../theme/templates/search.html")),
    ("single.html", include_str!("../../theme/templates/single.html")),
    ("error.html", include_str!("../../theme/templates/error.html")),
    ("feed_entry.html", include_str!("../../theme/templates/feed_entry.html")),
    ("admin/base.html", include_str!("../../theme/templates/admin/base.html")),
    ("admin/login.html", include_str!("../../theme/templates/admin/login.html")),
    ("admin/dashboard.html", include_str!("../../theme/templates/admin/dashboard.html")),
    ("admin/comments.html", include_str!("../../theme/templates/admin/comments.html")),
    ("admin/posts.html", include_str!("../../theme/templates/admin/posts.html")),
    ("admin/editor.html", include_str!("../../theme/templates/admin/editor.html")),
    ("admin/profile.html", include_str!("../../theme/templates/admin/profile.html")),
    ("admin/users.html", include_str!("../../theme/templates/admin/users.html")),
    ("admin/user_delete.html", include_str!("../../theme/templates/admin/user_delete.html")),
    ("admin/clip.html", include_str!("../../theme/templates/admin/clip.html")),
    ("admin/terms.html", include_str!("../../theme/templates/admin/terms.html")),
    ("admin/media.html", include_str!("../../theme/templates/admin/media.html")),
    ("admin/media_delete.html", include_str!("../../theme/templates/admin/media_delete.html")),
    ("admin/bylines.html", include_str!("../../theme/templates/admin/bylines.html")),
    ("admin/settings.html", include_str!("../../theme/templates/admin/settings.html")),
    ("admin/sources.html", include_str!("../../theme/templates/admin/sources.html")),
    ("admin/error.html", include_str!("../../theme/templates/admin/error.html")),
];

pub struct Templates {
    env: Environment<'static>,
    /// Comment threads this theme has rendered (see [`Templates::comment_threads`]).
    threads: comment_threads::RenderedThreads,
    /// Posts' comment sections as last shown, by their comments' version (see
    /// [`Templates::known_comments`]).
    sections: comment_sections::CommentSections,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

/// Escapes what HTML needs escaped (`& < > " '`) and nothing more: minijinja's default
/// also escapes `/`, which is safe but turns every URL in the page source into `&#x2f;`.
fn escape_formatter(out: &mut minijinja::Output, state: &minijinja::State, value: &Value) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if !value.is_safe() && state.auto_escape() != minijinja::AutoEscape::None => {
            write_escaped(out, text).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Writes `text` to `out` escaped as [`escape_formatter`] escapes it: the runs between the
/// five characters are written as they are, without a copy of the whole text.
pub(crate) fn write_escaped(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut written = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // An ASCII byte is a whole character: both ends are character boundaries.
        out.write_str(&text[written..at])?;
        out.write_str(entity)?;
        written = at + 1;
    }
    out.write_str(&text[written..])
}

/// A thread of a page known by its shape: see [`Templates::threads_by_shape`].
#[derive(Hash)]
pub(crate) struct ThreadShape {
    pub root: i64,
    /// Its number on the page (the oldest thread is 1).
    pub number: usize,
    /// Every comment in it (id, parent, revision), root first.
    pub nodes: Vec<dateline_core::CommentNode>,
}

/// A page's threads looked up by shape: see [`Templates::threads_by_shape`].
pub(crate) struct ShapedThreads {
    threads: Vec<ShownThread>,
}

impl ShapedThreads {
    /// The roots of the threads that were not kept: their comments are to be loaded.
    pub(crate) fn missing(&self) -> impl Iterator<Item = i64> + '_ {
        self.threads.iter().filter(|t| t.kept.is_none()).map(|t| t.id)
    }
}

/// One thread of a page: its key among the kept threads, and its HTML if it was kept.
struct ShownThread {
    id: i64,
    number: Option<usize>,
    key: (i64, u64),
    kept: Option<Value>,
}

/// What every template sees of the site, as `site`.
fn site_context(site: &Site) -> Value {
    context! {
        title => site.config.site.title,
        tagline => site.config.site.tagline,
        base_url => site.base_url,
        language => site.config.site.language,
    }
}

impl Templates {
    /// Builds the environment and renders nothing yet, but loads every template once so a
    /// broken theme fails at startup with the template's name, not on a visitor's request.
    pub fn new(theme_dir: Option<PathBuf>, assets: Arc<Assets>) -> Result<Templates, String> {
        let mut env = Environment::new();
        let dir = theme_dir.map(|d| d.join("templates"));
        env.set_loader(move |name| {
            if let Some(path) = dir.as_ref().and_then(|d| safe_join(d, name))
                && path.is_file()
            {
                return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("cannot read {}: {e}", path.display()))
                });
            }
            Ok(BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, body)| body.to_string()))
        });
        env.add_function("asset_url", move |name: &str| assets.url(name));
        env.set_formatter(escape_formatter);
        for (name, _) in BUILT_IN {
            env.get_template(name).map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(Templates { env, threads: Default::default(), sections: Default::default() })
    }

    /// Renders `name` with `ctx` plus the site's settings as `site`.
    pub fn render(&self, name: &str, site: &Site, ctx: Value) -> Result<String, AppError> {
        let template = self.env.get_template(name).map_err(|e| AppError::Internal(format!("template {name}: {e:#}")))?;
        template.render(context! { site => site_context(site), ..ctx }).map_err(|e| AppError::Internal(format!("render {name}: {e:#}")))
    }

    /// The page's comment threads as HTML (a value each with `id`, `number` and `html`), each
    /// rendered by the theme's `comment_item` macro (in `macros.html`) the first time it is
    /// shown as it is now, and then taken as it was kept (see [`comment_threads`]).
    pub(crate) fn comment_threads(&self, site: &Site, threads: &[CommentView], post_path: &str) -> Result<Vec<Value>, AppError> {
        // What every thread of the page is rendered with, hashed once for the page (hashing the
        // site's context object per thread was a sixth of the keys' cost).
        let page = self.threads.digest(&(post_path, &site_context(site)));
        let shown = threads.iter().map(|thread| {
            let key = (thread.id, self.threads.digest(&(thread, page)));
            ShownThread { id: thread.id, number: thread.number, key, kept: self.threads.get(key) }
        });
        self.thread_values(site, post_path, shown.collect(), threads)
    }

    /// The version of `post`'s comments kept from the last page that read their tree, and the
    /// tree (see [`comment_sections`]).
    pub(crate) fn known_comments(&self, post: dateline_core::PostId) -> Option<(i64, Arc<[dateline_core::CommentNode]>)> {
        self.sections.known(post)
    }

    /// Keeps `tree`, read with `post`'s page, as its comments at `version`.
    pub(crate) fn keep_comment_tree(
        &self,
        post: dateline_core::PostId,
        version: i64,
        tree: Vec<dateline_core::CommentNode>,
    ) -> Arc<[dateline_core::CommentNode]> {
        self.sections.keep_tree(post, version, tree)
    }

    /// The key of comment page `page` among a post's kept pages: everything its threads are
    /// shown with besides the comments themselves (the post's path, the reply settings, the
    /// time zone and what the templates see of the site).
    pub(crate) fn comment_page_key(&self, site: &Site, post_path: &str, replies: &impl std::hash::Hash, page: u32) -> u64 {
        self.threads.digest(&("section", post_path, &site_context(site), &site.config.site.timezone, replies, page))
    }

    /// The threads of a comment page as shown before under `key` from `post`'s comments at
    /// `version`, if they were kept.
    pub(crate) fn shown_comments(&self, post: dateline_core::PostId, version: i64, key: u64) -> Option<ShownComments> {
        self.sections.page(post, version, key)
    }

    /// Keeps `shown` under `key` for `post`'s comments at `version`.
    pub(crate) fn keep_shown_comments(&self, post: dateline_core::PostId, version: i64, key: u64, shown: &ShownComments) {
        self.sections.keep_page(post, version, key, shown);
    }

    /// Looks a page's threads up by their shape alone (who answered whom, and each comment's
    /// revision), before any comment is read: a thread kept under the same shape, on the same
    /// post, with the same site and reply settings, shows exactly what it showed then, because
    /// every change to a comment's row raises its revision (migration 0018). `replies`: whether
    /// replies are taken, how deep, and the post's author (what each comment's reply link and
    /// author badge depend on). [`ShapedThreads::missing`] tells which threads to load.
    pub(crate) fn threads_by_shape(
        &self,
        site: &Site,
        post_path: &str,
        replies: (bool, u32, i64),
        shapes: Vec<ThreadShape>,
    ) -> ShapedThreads {
        let page = self.threads.digest(&("by shape", post_path, &site_context(site), &site.config.site.timezone, replies));
        let threads = shapes
            .iter()
            .map(|shape| {
                let key = (shape.root, self.threads.digest(&(shape, page)));
                ShownThread { id: shape.root, number: Some(shape.number), key, kept: self.threads.get(key) }
            })
            .collect();
        ShapedThreads { threads }
    }

    /// The threads of `shaped` as [`Templates::comment_threads`] gives them: those it found
    /// kept, and the others rendered from `views` (the views of at least those) and kept
    /// under their shapes.
    pub(crate) fn finish_shaped_threads(
        &self,
        site: &Site,
        post_path: &str,
        shaped: ShapedThreads,
        views: &[CommentView],
    ) -> Result<Vec<Value>, AppError> {
        self.thread_values(site, post_path, shaped.threads, views)
    }

    /// Each thread's HTML: as kept, or rendered from its view in `views` and kept.
    fn thread_values(&self, site: &Site, post_path: &str, shown: Vec<ShownThread>, views: &[CommentView]) -> Result<Vec<Value>, AppError> {
        let failed = |e: minijinja::Error| AppError::Internal(format!("render comment_item: {e:#}"));
        let mut captured = None;
        let mut values = Vec::with_capacity(shown.len());
        for thread in shown {
            let html = match thread.kept {
                Some(html) => html,
                None => {
                    let view = views
                        .iter()
                        .find(|view| view.id == thread.id)
                        .ok_or_else(|| AppError::Internal(format!("comment thread {} was not loaded", thread.id)))?;
                    let captured = match &mut captured {
                        Some(captured) => captured,
                        None => {
                            let macros = self.env.get_template("macros.html").map_err(failed)?;
                            captured.insert(macros.render_captured(context! { site => site_context(site) }).map_err(failed)?)
                        }
                    };
                    let html = captured
                        .state()
                        .call_macro("comment_item", &[Value::from_serialize(view), Value::from(post_path)])
                        .map_err(failed)?;
                    self.threads.keep(thread.key, html)
                }
            };
            values.push(context! { id => thread.id, number => thread.number, html => html });
        }
        Ok(values)
    }

    /// The error page for `status`; falls back to plain text if the theme's page fails. Admin
    /// paths get the admin's page, which leads back to the dashboard, not the home page.
    /// The themed page for an error `status`; `nav` is the site's menu (public pages only).
    pub(crate) fn error_page(
        &self,
        site: &Site,
        status: StatusCode,
        message: Option<&str>,
        admin: bool,
        nav: &[crate::view::LinkView],
    ) -> String {
        let (heading, default_message) = match status {
            StatusCode::NOT_FOUND => ("Page not found", "Nothing lives at this address. The home page has everything that is published."),
            StatusCode::METHOD_NOT_ALLOWED => ("Method not allowed", "This address can only be read."),
            StatusCode::BAD_REQUEST => ("Bad request", "The request could not be understood."),
            StatusCode::FORBIDDEN => ("Not allowed", "Your account may not do this."),
            StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "What you sent is larger than this site accepts (64 KiB). Please shorten it."),
            _ => ("Something went wrong", "The page could not be shown. Please try again in a moment."),
        };
        let message = message.unwrap_or(default_message);
        let ctx = context! {
            status => status.as_u16(),
            heading => heading,
            message => message,
            meta => context! { title => heading, robots => "noindex" },
            nav => nav,
        };
        let template = if admin { "admin/error.html" } else { "error.html" };
        let ctx = if admin {
            context! { title => heading, ..ctx }
        } else {
            ctx
        };
        self.render(template, site, ctx).unwrap_or_else(|_| format!("{} {heading}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_touches_the_five_characters_only() {
        let mut out = String::new();
        super::write_escaped(&mut out, "Díaz <b>&\"'</b> / São").expect("a String takes any text");
        assert_eq!(out, "Díaz &lt;b&gt;&amp;&quot;&#39;&lt;/b&gt; / São");
        let mut plain = String::new();
        super::write_escaped(&mut plain, "").expect("empty");
        assert_eq!(plain, "");
    }
}
