//! The streaming WXR reader: XML events in, one record (author, term, item) at a time out.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Why a file could not be read. Positions are 1-based line and column in the file.
#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    #[error("{path}: {message} (line {line}, column {column})")]
    Malformed { path: String, line: usize, column: usize, message: String },
    #[error("{path}: {message}")]
    Refused { path: String, message: String },
    #[error("{path}: {0}", path = .1)]
    Io(std::io::Error, String),
}

/// The site the export came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub title: String,
    /// The blog's tagline.
    pub description: String,
    pub link: String,
    pub base_site_url: String,
    pub base_blog_url: String,
    /// From `wp:wxr_version`, else from the namespace URI.
    pub wxr_version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawAuthor {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawTerm {
    /// "category", "post_tag", or another taxonomy's name.
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
    pub parent: String,
    pub description: String,
    pub meta: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawComment {
    pub id: i64,
    pub author: String,
    pub author_email: String,
    pub author_url: String,
    pub author_ip: String,
    pub date: String,
    pub date_gmt: String,
    pub content: String,
    pub approved: String,
    pub kind: String,
    pub parent: i64,
    pub user_id: i64,
    pub meta: Vec<(String, String)>,
}

/// An item's `<category domain="…" nicename="…">Name</category>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawItemTerm {
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawItem {
    pub title: String,
    pub link: String,
    pub creator: String,
    pub guid: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: i64,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_modified_gmt: String,
    pub comment_status: String,
    pub post_name: String,
    pub status: String,
    pub post_parent: i64,
    pub menu_order: i64,
    pub post_type: String,
    pub post_password: String,
    pub is_sticky: bool,
    pub attachment_url: String,
    pub terms: Vec<RawItemTerm>,
    pub meta: Vec<(String, String)>,
    pub comments: Vec<RawComment>,
    /// Fields whose text was over [`MAX_FIELD_BYTES`]: (element, size in bytes). Their text was
    /// not kept, and the item is not imported.
    pub oversized: Vec<(String, usize)>,
}

/// The largest text one element may hold (a whole post's HTML is a few hundred kilobytes at
/// most): larger ones are not kept in memory, and their item is reported and skipped.
pub const MAX_FIELD_BYTES: usize = 8 * 1024 * 1024;

/// How deeply a WordPress export's elements may nest (real ones nest six deep).
pub const MAX_XML_DEPTH: usize = 32;

/// One record of the export, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Sent once, before the first author, term or item.
    Channel(Channel),
    Author(RawAuthor),
    Term(RawTerm),
    Item(Box<RawItem>),
}

/// What the reader fixed on the way, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repairs {
    pub nested_cdata: usize,
    pub control_characters: usize,
}

/// A piece of an element's text as it came.
enum Piece {
    Text(String),
    CData(String),
    /// An entity or character reference: (as written, as meant).
    Reference(String, String),
}

/// The canonical prefix for a namespace URI (`wp`, `excerpt`, `content`, `dc`, `wfw`).
fn canonical_prefix(uri: &str) -> Option<&'static str> {
    let uri = uri.trim_end_matches('/');
    if uri.contains("wordpress.org/export/") {
        Some(if uri.ends_with("/excerpt") { "excerpt" } else { "wp" })
    } else if uri.contains("purl.org/rss/1.0/modules/content") {
        Some("content")
    } else if uri.contains("purl.org/dc/elements") {
        Some("dc")
    } else if uri.contains("wellformedweb.org/CommentAPI") {
        Some("wfw")
    } else {
        None
    }
}

/// Illegal in XML 1.0 text: C0 controls other than tab, line feed and carriage return.
fn is_illegal_control(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
}

struct Parser {
    prefixes: HashMap<String, &'static str>,
    namespace_version: String,
    stack: Vec<String>,
    pieces: Vec<Piece>,
    channel: Channel,
    channel_sent: bool,
    author: RawAuthor,
    term: RawTerm,
    item: RawItem,
    comment: RawComment,
    item_term: RawItemTerm,
    meta_key: String,
    meta_value: String,
    repairs: Repairs,
    /// Bytes of text gathered for the element being read, and whether it went over the limit.
    text_bytes: usize,
    oversized: bool,
}

impl Parser {
    /// Keeps a piece of the current element's text, unless the element is over the limit.
    fn add_piece(&mut self, piece: Piece, len: usize) {
        self.text_bytes += len;
        if self.text_bytes > MAX_FIELD_BYTES {
            if !self.oversized {
                self.oversized = true;
                self.pieces.clear();
            }
            return;
        }
        self.pieces.push(piece);
    }

    /// Keeps text as it came (UTF-8 checked), unless the element is over the limit: then its
    /// bytes are only counted, never copied.
    fn add_bytes(&mut self, bytes: &[u8], at: u64, piece: fn(String) -> Piece) -> Result<(), (u64, String)> {
        if self.text_bytes + bytes.len() > MAX_FIELD_BYTES {
            self.add_piece(piece(String::new()), bytes.len());
            return Ok(());
        }
        let text = utf8(bytes, at)?;
        let len = text.len();
        self.add_piece(piece(text), len);
        Ok(())
    }

    /// Starts reading a new element's text.
    fn start_text(&mut self) {
        self.pieces.clear();
        self.text_bytes = 0;
        self.oversized = false;
    }

    /// `wp:post_id` whatever prefix the file used for the WordPress namespace.
    fn canonical(&self, raw: &[u8]) -> String {
        let name = String::from_utf8_lossy(raw);
        match name.split_once(':') {
            Some((prefix, local)) => match self.prefixes.get(prefix) {
                Some(canonical) => format!("{canonical}:{local}"),
                None => name.into_owned(),
            },
            None => name.into_owned(),
        }
    }

    fn learn_namespaces(&mut self, start: &BytesStart) {
        for attr in start.attributes().flatten() {
            let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
            if let Some(prefix) = key.strip_prefix("xmlns:") {
                let uri = String::from_utf8_lossy(&attr.value).into_owned();
                if let Some(canonical) = canonical_prefix(&uri) {
                    self.prefixes.insert(prefix.to_string(), canonical);
                    if canonical == "wp"
                        && let Some(version) = uri.trim_end_matches('/').rsplit('/').next()
                    {
                        self.namespace_version = version.to_string();
                    }
                }
            }
        }
    }

    /// The element's text. Real exports sometimes nest CDATA (`<![CDATA[ a <![CDATA[ b ]]> c ]]>`),
    /// which XML ends at the first `]]>`; the tell is a `]]>` left in plain text afterwards.
    /// Then the raw content is taken as WordPress's own importer takes it: the outer CDATA
    /// markers stripped, the rest literal.
    fn take_text(&mut self) -> String {
        let pieces = std::mem::take(&mut self.pieces);
        let nested = pieces.iter().any(|p| matches!(p, Piece::Text(t) if t.contains("]]>")));
        let mut value = String::new();
        if nested {
            self.repairs.nested_cdata += 1;
            let mut raw = String::new();
            for piece in &pieces {
                match piece {
                    Piece::Text(t) => raw.push_str(t),
                    Piece::CData(c) => {
                        raw.push_str("<![CDATA[");
                        raw.push_str(c);
                        raw.push_str("]]>");
                    }
                    Piece::Reference(written, _) => raw.push_str(written),
                }
            }
            let trimmed = raw.trim();
            value = match trimmed.strip_prefix("<![CDATA[").and_then(|r| r.strip_suffix("]]>")) {
                Some(inner) => inner.replace("]]]]><![CDATA[>", "]]>"),
                None => raw,
            };
        } else {
            for piece in pieces {
                match piece {
                    Piece::Text(t) | Piece::CData(t) => value.push_str(&t),
                    Piece::Reference(_, meant) => value.push_str(&meant),
                }
            }
        }
        if value.chars().any(is_illegal_control) {
            self.repairs.control_characters += value.chars().filter(|c| is_illegal_control(*c)).count();
            value.retain(|c| !is_illegal_control(c));
        }
        value
    }

    /// Whether the file says it is a WordPress export: its namespace, or the site address
    /// every export carries. A plain RSS feed has neither.
    fn is_wordpress(&self) -> bool {
        self.prefixes.values().any(|p| *p == "wp") || !self.channel.base_site_url.is_empty()
    }

    fn path_ends_with(&self, tail: &[&str]) -> bool {
        self.stack.len() >= tail.len() && self.stack[self.stack.len() - tail.len()..].iter().zip(tail).all(|(a, b)| a == b)
    }

    fn channel_record(&mut self) -> Option<Record> {
        if self.channel_sent {
            return None;
        }
        self.channel_sent = true;
        let mut channel = self.channel.clone();
        if channel.wxr_version.is_empty() {
            channel.wxr_version = self.namespace_version.clone();
        }
        Some(Record::Channel(channel))
    }

    /// Handles the end of the element on top of the stack; may complete a record.
    fn end_element(&mut self, name: &str) -> Vec<Record> {
        if self.oversized && self.stack.iter().any(|e| e == "item") {
            self.item.oversized.push((name.to_string(), self.text_bytes));
        }
        let text = self.take_text();
        self.text_bytes = 0;
        self.oversized = false;
        let int = |t: &str| t.trim().parse::<i64>().unwrap_or(0);
        let mut records = Vec::new();
        let depth = self.stack.len();
        let parent = if depth >= 2 { self.stack[depth - 2].as_str() } else { "" };
        match (parent, name) {
            ("channel", "title") => self.channel.title = text,
            ("channel", "link") => self.channel.link = text,
            ("channel", "description") => self.channel.description = text,
            ("channel", "wp:base_site_url") => self.channel.base_site_url = text,
            ("channel", "wp:base_blog_url") => self.channel.base_blog_url = text,
            ("channel", "wp:wxr_version") => self.channel.wxr_version = text,
            ("wp:author", "wp:author_id") => self.author.id = int(&text),
            ("wp:author", "wp:author_login") => self.author.login = text,
            ("wp:author", "wp:author_email") => self.author.email = text,
            ("wp:author", "wp:author_display_name") => self.author.display_name = text,
            ("channel", "wp:author") => {
                records.extend(self.channel_record());
                records.push(Record::Author(std::mem::take(&mut self.author)));
            }
            ("wp:category", "wp:category_nicename") | ("wp:tag", "wp:tag_slug") | ("wp:term", "wp:term_slug") => self.term.slug = text,
            ("wp:category", "wp:cat_name") | ("wp:tag", "wp:tag_name") | ("wp:term", "wp:term_name") => self.term.name = text,
            ("wp:category", "wp:category_parent") | ("wp:term", "wp:term_parent") => self.term.parent = text,
            ("wp:category", "wp:category_description") | ("wp:tag", "wp:tag_description") | ("wp:term", "wp:term_description") => {
                self.term.description = text
            }
            ("wp:term", "wp:term_taxonomy") => self.term.taxonomy = text,
            ("channel", "wp:category" | "wp:tag" | "wp:term") => {
                let mut term = std::mem::take(&mut self.term);
                match name {
                    "wp:category" => term.taxonomy = "category".into(),
                    "wp:tag" => term.taxonomy = "post_tag".into(),
                    _ => {}
                }
                records.extend(self.channel_record());
                records.push(Record::Term(term));
            }
            ("wp:termmeta" | "wp:postmeta" | "wp:commentmeta", "wp:meta_key") => self.meta_key = text,
            ("wp:termmeta" | "wp:postmeta" | "wp:commentmeta", "wp:meta_value") => self.meta_value = text,
            (_, "wp:termmeta") => self.term.meta.push((std::mem::take(&mut self.meta_key), std::mem::take(&mut self.meta_value))),
            ("item", "wp:postmeta") => self.item.meta.push((std::mem::take(&mut self.meta_key), std::mem::take(&mut self.meta_value))),
            ("wp:comment", "wp:commentmeta") => {
                self.comment.meta.push((std::mem::take(&mut self.meta_key), std::mem::take(&mut self.meta_value)))
            }
            ("wp:comment", field) => {
                let c = &mut self.comment;
                match field {
                    "wp:comment_id" => c.id = int(&text),
                    "wp:comment_author" => c.author = text,
                    "wp:comment_author_email" => c.author_email = text.trim().to_string(),
                    "wp:comment_author_url" => c.author_url = text,
                    "wp:comment_author_IP" => c.author_ip = text,
                    "wp:comment_date" => c.date = text,
                    "wp:comment_date_gmt" => c.date_gmt = text,
                    "wp:comment_content" => c.content = text,
                    "wp:comment_approved" => c.approved = text,
                    "wp:comment_type" => c.kind = text,
                    "wp:comment_parent" => c.parent = int(&text),
                    "wp:comment_user_id" => c.user_id = int(&text),
                    _ => {}
                }
            }
            ("item", "wp:comment") => self.item.comments.push(std::mem::take(&mut self.comment)),
            ("item", "category") => {
                let mut term = std::mem::take(&mut self.item_term);
                term.name = text;
                self.item.terms.push(term);
            }
            ("item", field) => {
                let i = &mut self.item;
                match field {
                    "title" => i.title = text,
                    "link" => i.link = text,
                    "dc:creator" => i.creator = text,
                    "guid" => i.guid = text,
                    "content:encoded" => i.content = text,
                    "excerpt:encoded" => i.excerpt = text,
                    "wp:post_id" => i.post_id = int(&text),
                    "wp:post_date" => i.post_date = text,
                    "wp:post_date_gmt" => i.post_date_gmt = text,
                    "wp:post_modified_gmt" => i.post_modified_gmt = text,
                    "wp:comment_status" => i.comment_status = text,
                    "wp:post_name" => i.post_name = text,
                    "wp:status" => i.status = text,
                    "wp:post_parent" => i.post_parent = int(&text),
                    "wp:menu_order" => i.menu_order = int(&text),
                    "wp:post_type" => i.post_type = text,
                    "wp:post_password" => i.post_password = text,
                    "wp:is_sticky" => i.is_sticky = text.trim() == "1",
                    "wp:attachment_url" => i.attachment_url = text,
                    _ => {}
                }
            }
            ("channel", "item") => {
                records.extend(self.channel_record());
                records.push(Record::Item(Box::new(std::mem::take(&mut self.item))));
            }
            _ => {}
        }
        records
    }
}

/// The meaning of a reference: the five XML entities and character references; `None` for
/// anything else (entities a DOCTYPE would have to declare, which is refused).
fn resolve_reference(name: &str) -> Option<String> {
    match name {
        "amp" => Some("&".into()),
        "lt" => Some("<".into()),
        "gt" => Some(">".into()),
        "quot" => Some("\"".into()),
        "apos" => Some("'".into()),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).map(String::from)
        }
    }
}

/// Text as UTF-8, or the error that names where it is not.
fn utf8(bytes: &[u8], at: u64) -> Result<String, (u64, String)> {
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        (at, "the text is not valid UTF-8 (WordPress exports are UTF-8; was the file re-saved in another encoding?)".to_string())
    })
}

const NOT_WORDPRESS: &str = "this is not a WordPress export: it has no WordPress export namespace (xmlns:wp) and no wp:base_site_url; \
    a plain RSS feed does not carry posts' comments, statuses or pages (export from WordPress under Tools → Export)";

/// Reads WXR from `input`, calling `on_record` for each record; returns what was repaired.
/// Errors carry a byte offset; [`read_file`] turns it into a line and column.
pub fn read<R: BufRead>(input: R, on_record: &mut dyn FnMut(Record) -> bool) -> Result<Repairs, (u64, String)> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().check_end_names = true;
    reader.config_mut().trim_text(false);
    let mut parser = Parser {
        prefixes: HashMap::new(),
        namespace_version: String::new(),
        stack: Vec::new(),
        pieces: Vec::new(),
        channel: Channel::default(),
        channel_sent: false,
        author: RawAuthor::default(),
        term: RawTerm::default(),
        item: RawItem::default(),
        comment: RawComment::default(),
        item_term: RawItemTerm::default(),
        meta_key: String::new(),
        meta_value: String::new(),
        repairs: Repairs::default(),
        text_bytes: 0,
        oversized: false,
    };
    let mut buf = Vec::new();
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| (reader.error_position(), e.to_string()))?;
        match event {
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
                    if encoding != "utf-8" && encoding != "utf8" {
                        return Err((at, format!("the file declares encoding {encoding:?}; only UTF-8 exports can be imported")));
                    }
                }
            }
            Event::DocType(_) => {
                return Err((at, "a DOCTYPE is not allowed in a WordPress export: it can declare entities (external entities, entity expansion), so the file is refused".into()));
            }
            Event::Start(start) => {
                if parser.stack.is_empty() {
                    parser.learn_namespaces(&start);
                    let name = parser.canonical(start.name().as_ref());
                    if name != "rss" {
                        return Err((at, format!("this is not a WordPress export: the document starts with <{name}>, not <rss>")));
                    }
                }
                if parser.stack.len() >= MAX_XML_DEPTH {
                    return Err((
                        at,
                        format!(
                            "elements nest more than {MAX_XML_DEPTH} deep here; a WordPress export nests six deep, so this is not one (or it is damaged)"
                        ),
                    ));
                }
                let name = parser.canonical(start.name().as_ref());
                if name == "category" && parser.path_ends_with(&["item"]) {
                    parser.item_term = RawItemTerm::default();
                    for attr in start.attributes().flatten() {
                        let value = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_default();
                        match attr.key.as_ref() {
                            b"domain" => parser.item_term.domain = value,
                            b"nicename" => parser.item_term.nicename = value,
                            _ => {}
                        }
                    }
                }
                parser.start_text();
                parser.stack.push(name);
            }
            Event::Empty(start) => {
                let name = parser.canonical(start.name().as_ref());
                parser.start_text();
                parser.stack.push(name.clone());
                let records = parser.end_element(&name);
                parser.stack.pop();
                for record in records {
                    if matches!(record, Record::Channel(_)) && !parser.is_wordpress() {
                        return Err((at, NOT_WORDPRESS.into()));
                    }
                    if !on_record(record) {
                        return Ok(parser.repairs);
                    }
                }
            }
            Event::Text(text) => parser.add_bytes(&text, at, Piece::Text)?,
            Event::CData(data) => parser.add_bytes(&data, at, Piece::CData)?,
            Event::GeneralRef(reference) => {
                let name = utf8(&reference, at)?;
                let meant = resolve_reference(&name).ok_or_else(|| {
                    (at, format!("unknown entity &{name}; (only the five XML entities and character references are allowed)"))
                })?;
                let len = meant.len();
                parser.add_piece(Piece::Reference(format!("&{name};"), meant), len);
            }
            Event::End(_) => {
                let name = parser.stack.last().cloned().unwrap_or_default();
                let records = parser.end_element(&name);
                parser.stack.pop();
                for record in records {
                    if matches!(record, Record::Channel(_)) && !parser.is_wordpress() {
                        return Err((at, NOT_WORDPRESS.into()));
                    }
                    if !on_record(record) {
                        return Ok(parser.repairs);
                    }
                }
                // A huge text event grew the buffer: give the memory back.
                if buf.capacity() > 1024 * 1024 {
                    buf = Vec::new();
                }
            }
            Event::Eof => {
                if let Some(open) = parser.stack.last() {
                    return Err((reader.buffer_position(), format!("the file ends inside <{open}>: it is truncated or incomplete")));
                }
                if !parser.channel_sent {
                    if !parser.is_wordpress() {
                        return Err((0, NOT_WORDPRESS.into()));
                    }
                    if let Some(record) = parser.channel_record() {
                        on_record(record);
                    }
                }
                return Ok(parser.repairs);
            }
            Event::Comment(_) | Event::PI(_) => {}
        }
        buf.clear();
    }
}

/// The encoding of a file that starts as UTF-16 or UTF-32 does (a byte order mark, or the
/// zero bytes of `<?` written wide), which the XML reader would take for garbage.
fn wide_encoding(start: &[u8]) -> Option<&'static str> {
    match start {
        [0xFF, 0xFE, 0, 0, ..] | [b'<', 0, 0, 0, ..] => Some("UTF-32LE"),
        [0, 0, 0xFE, 0xFF, ..] | [0, 0, 0, b'<', ..] => Some("UTF-32BE"),
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] | [0, b'<', ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// Line and column (1-based) of a byte offset in a file.
fn line_and_column(path: &Path, offset: u64) -> (usize, usize) {
    let Ok(file) = std::fs::File::open(path) else { return (0, 0) };
    let mut reader = std::io::BufReader::new(file);
    let (mut line, mut column, mut seen) = (1usize, 1usize, 0u64);
    let mut chunk = Vec::new();
    while seen < offset {
        chunk.clear();
        match reader.read_until(b'\n', &mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if seen + n as u64 <= offset && chunk.last() == Some(&b'\n') {
                    line += 1;
                    seen += n as u64;
                    column = 1;
                } else {
                    let within = (offset - seen) as usize;
                    column = String::from_utf8_lossy(&chunk[..within.min(chunk.len())]).chars().count() + 1;
                    break;
                }
            }
        }
    }
    (line, column)
}

/// The largest export read when the caller names no limit: 2 GiB, several times the largest
/// real blog's export we have seen (a 10,000-post, 200,000-comment blog is about 250 MB).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 2 << 30;

/// Reads a WXR file of at most [`DEFAULT_MAX_FILE_BYTES`], streaming; errors name the file,
/// line and column.
pub fn read_file(path: &Path, on_record: &mut dyn FnMut(Record) -> bool) -> Result<Repairs, WxrError> {
    read_file_within(path, DEFAULT_MAX_FILE_BYTES, on_record)
}

/// Reads a WXR file of at most `max_bytes`: a larger one is refused before its first record,
/// and one that grows past the limit while being read ends there (as a truncated file).
pub fn read_file_within(path: &Path, max_bytes: u64, on_record: &mut dyn FnMut(Record) -> bool) -> Result<Repairs, WxrError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| WxrError::Io(e, shown.clone()))?;
    let size = file.metadata().map_err(|e| WxrError::Io(e, shown.clone()))?.len();
    if size > max_bytes {
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let message = format!(
            "the file is {:.1} MiB, over the import limit of {:.0} MiB ([import] max_file_mb in dateline.toml raises it)",
            mib(size),
            mib(max_bytes)
        );
        return Err(WxrError::Refused { path: shown, message });
    }
    let mut input = std::io::BufReader::with_capacity(256 * 1024, std::io::Read::take(file, max_bytes));
    let start = input.fill_buf().map_err(|e| WxrError::Io(e, shown.clone()))?;
    if let Some(encoding) = wide_encoding(start) {
        let message = format!(
            "the file is {encoding}; WordPress exports are UTF-8 (convert it first, for example: iconv -f {encoding} -t UTF-8 FILE > FILE-utf8.xml)"
        );
        return Err(WxrError::Refused { path: shown, message });
    }
    read(input, on_record).map_err(|(offset, message)| {
        // Whatever the file held, the message is printable text.
        let message: String = message.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
        // Refusals of the whole file: a position in it would mean nothing.
        if message.contains("DOCTYPE") || message.contains("declares encoding") || message == NOT_WORDPRESS {
            return WxrError::Refused { path: shown.clone(), message };
        }
        let (line, column) = line_and_column(path, offset);
        WxrError::Malformed { path: shown.clone(), line, column, message }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<(Vec<Record>, Repairs), (u64, String)> {
        let mut all = Vec::new();
        let repairs = read(xml.as_bytes(), &mut |r| {
            all.push(r);
            true
        })?;
        Ok((all, repairs))
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="https://wordpress.org/export/1.2/"><channel><wp:base_site_url>https://old.example</wp:base_site_url>"#;

    #[test]
    fn reads_items_with_any_namespace_scheme() {
        let xml = format!(
            "{HEAD}<item><title>A &amp; B</title><wp:post_id>7</wp:post_id><content:encoded><![CDATA[<p>x</p>]]></content:encoded><wp:status>publish</wp:status><wp:post_password/></item></channel></rss>"
        );
        let (records, _) = parse(&xml).expect("valid");
        assert!(matches!(&records[0], Record::Channel(c) if c.wxr_version == "1.2" && c.base_site_url == "https://old.example"));
        let Record::Item(item) = &records[1] else { panic!("item") };
        assert_eq!((item.title.as_str(), item.post_id, item.content.as_str()), ("A & B", 7, "<p>x</p>"));
    }

    #[test]
    fn repairs_nested_cdata_and_control_characters() {
        let xml = format!(
            "{HEAD}<item><content:encoded><![CDATA[Content with nested <![CDATA[ tags ]]> :)]]></content:encoded><title>bell\u{7}</title></item></channel></rss>"
        );
        let (records, repairs) = parse(&xml).expect("repaired");
        let Record::Item(item) = &records[1] else { panic!("item") };
        assert_eq!(item.content, "Content with nested <![CDATA[ tags ]]> :)");
        assert_eq!(item.title, "bell");
        assert_eq!(repairs, Repairs { nested_cdata: 1, control_characters: 1 });
        // Correctly split CDATA is not a repair.
        let xml = format!("{HEAD}<item><content:encoded><![CDATA[a ]]]]><![CDATA[> b]]></content:encoded></item></channel></rss>");
        let (records, repairs) = parse(&xml).expect("valid");
        let Record::Item(item) = &records[1] else { panic!("item") };
        assert_eq!(item.content, "a ]]> b");
        assert_eq!(repairs.nested_cdata, 0);
    }

    #[test]
    fn refuses_doctypes_unknown_entities_and_broken_files() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]><rss><channel></channel></rss>";
        assert!(parse(bomb).expect_err("doctype").1.contains("DOCTYPE"));
        let entity = format!("{HEAD}<item><title>&xxe;</title></item></channel></rss>");
        assert!(parse(&entity).expect_err("entity").1.contains("unknown entity &xxe;"));
        let truncated = format!("{HEAD}<item><title>half");
        assert!(parse(&truncated).expect_err("truncated").1.contains("truncated"));
        let mismatched = format!("{HEAD}<item></channel></rss>");
        assert!(parse(&mismatched).is_err());
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss></rss>";
        assert!(read(&latin1[..], &mut |_| true).expect_err("encoding").1.contains("ISO-8859-1".to_ascii_lowercase().as_str()));
    }
}
