//! Full-text search, the part both stores share: how text becomes words (case and accents
//! folded, hyphens and apostrophes taken as people write them), what a reader's query means,
//! and which words of a result to show. The stores only run what this module prepares
//! (SQLite FTS5, PostgreSQL `tsvector`), so both find the same posts for the same words and no
//! query a reader types reaches an engine's own syntax.

use std::collections::HashMap;
use std::fmt::Write as _;

/// Longer "words" (hashes, base64, URLs run together) are not indexed nor searched for.
const MAX_WORD_BYTES: usize = 64;

/// How much of one field is indexed: enough for any article, and a bound on the index entry
/// (PostgreSQL refuses a `tsvector` over 1 MB) that both stores apply the same way.
const MAX_FIELD_BYTES: usize = 256 * 1024;

/// How many terms of a query are used; the rest are ignored (a pasted paragraph still
/// searches, in bounded time).
const MAX_TERMS: usize = 16;

/// The folded words of `text`: ASCII letters (lowercase) and digits, one space between words.
/// Accents and other scripts are transliterated (`Díaz` → `diaz`, `Straße` → `strasse`,
/// `Łódź` → `lodz`); every other character separates words.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for_each_compound(text, |parts| {
        for part in parts {
            push_word(&mut out, part);
        }
    });
    out
}

/// Calls `visit` with the words of each compound in `text` (words joined by a hyphen or an
/// apostrophe, `Díaz-Canel`, `O'Brien`, are one compound of several words), folded.
fn for_each_compound(text: &str, mut visit: impl FnMut(&[&str])) {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let bytes = ascii.as_bytes();
    let mut parts: Vec<&str> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_alphanumeric() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            parts.push(&ascii[s..i]);
        }
        // A hyphen or an apostrophe between two words joins them; anything else ends the compound.
        let joins = matches!(b, b'-' | b'\'')
            && !parts.is_empty()
            && i > 0
            && bytes[i - 1].is_ascii_alphanumeric()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
        if !joins && !parts.is_empty() {
            visit(&parts);
            parts.clear();
        }
    }
    if let Some(s) = start {
        parts.push(&ascii[s..]);
    }
    if !parts.is_empty() {
        visit(&parts);
    }
}

fn push_word(out: &mut String, word: &str) {
    if word.is_empty() || word.len() > MAX_WORD_BYTES {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// What joins two words into the one word of their pair (`ʼcityʼcouncil`), and starts it: a
/// letter to FTS5's tokenizer, so a pair is one word of the index, and never in folded text
/// (ASCII only), so no word written anywhere is taken for a pair. Leading with it keeps a
/// reader's prefix (`ci*`) from finding pairs.
const PAIR_MARK: char = '\u{2BC}';

/// The pair of each word of `words` and the next, one space apart: `ʼaʼb ʼbʼc`.
fn push_pairs(out: &mut String, words: &[impl AsRef<str>]) {
    for (i, pair) in words.windows(2).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for word in pair {
            out.push(PAIR_MARK);
            out.push_str(word.as_ref());
        }
    }
}

/// A folded field ([`fold`], [`SearchDocument`]: words one space apart) followed by the pair of
/// each word and the next, in order, for [`SearchQuery::fts5_paired`]: `city council met`
/// gives `city council met ʼcityʼcouncil ʼcouncilʼmet`.
pub fn with_pairs(folded: &str) -> String {
    let words: Vec<&str> = folded.split(' ').filter(|word| !word.is_empty()).collect();
    if words.len() < 2 {
        return folded.to_string();
    }
    let mut out = String::with_capacity(folded.len() * 3 + words.len() * 4);
    out.push_str(folded);
    out.push(' ');
    push_pairs(&mut out, &words);
    out
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// The text of an HTML fragment for indexing and snippets: tags become spaces (so
/// `<p>a</p><p>b</p>` is two words), character references are decoded.
pub fn html_text(html: &str) -> String {
    let text = crate::text::replace_tags(html, " ");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after.find(';').filter(|&end| end <= 10).and_then(|end| Some((end, decode_reference(&after[..end])?))) {
            Some((end, decoded)) => {
                out.push(decoded);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The names of U+00C0 to U+00FF in order (`Agrave` … `yuml`): the accented letters an old
/// export may spell as references.
const LATIN1_LETTERS: [&str; 64] = [
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute",
    "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
    "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute",
    "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
    "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
];

/// The character a reference names (`amp`, `#8217`, `#x2019`, `atilde`); the named ones
/// WordPress's editors write, the rest are left as they are.
fn decode_reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "rsquo" | "lsquo" => '\'',
        "nbsp" => ' ',
        "ndash" | "mdash" | "hellip" | "ldquo" | "rdquo" | "laquo" | "raquo" => ' ',
        _ => {
            let at = LATIN1_LETTERS.iter().position(|n| *n == name)?;
            char::from_u32(0xC0 + u32::try_from(at).ok()?)?
        }
    })
}

/// A post as the index sees it: folded words per field, weighted differently when ranking
/// (title over dek and attribution over terms over body). `joined` holds compounds written
/// together (`obrien` for O'Brien), so a reader who types them so finds them too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDocument {
    pub title: String,
    /// The dek and the source's headline.
    pub dek: String,
    /// The reporter and the outlet.
    pub people: String,
    /// Tags and categories.
    pub terms: String,
    /// The body's text and the quoted excerpt.
    pub body: String,
    pub joined: String,
}

/// What a post gives the index, before folding.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchFields<'a> {
    pub title: &'a str,
    pub dek: &'a [&'a str],
    pub people: &'a [&'a str],
    pub terms: &'a [&'a str],
    /// The body as HTML.
    pub body_html: &'a str,
    pub excerpt: &'a [&'a str],
}

impl SearchDocument {
    pub fn new(fields: SearchFields<'_>) -> SearchDocument {
        let mut joined = String::new();
        let mut field = |texts: &[&str]| {
            let mut out = String::new();
            let mut left = MAX_FIELD_BYTES;
            for text in texts {
                let text = bounded(text, left);
                left -= text.len();
                for_each_compound(text, |parts| {
                    for part in parts {
                        push_word(&mut out, part);
                    }
                    if parts.len() > 1 {
                        push_word(&mut joined, &parts.concat());
                    }
                });
            }
            out
        };
        let title = field(&[fields.title]);
        let dek = field(fields.dek);
        let people = field(fields.people);
        let terms = field(fields.terms);
        let body_text = html_text(fields.body_html);
        let mut body_texts = vec![body_text.as_str()];
        body_texts.extend_from_slice(fields.excerpt);
        let body = field(&body_texts);
        SearchDocument { title, dek, people, terms, body, joined }
    }
}

/// One thing a query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// Words that must stand side by side, in order (one word is a phrase of one). With
    /// `prefix`, the last word may go on (`brasil*` finds Brasília). `joined` is the same
    /// compound written together, found as well (`o'brien` also finds OBrien).
    Phrase { words: Vec<String>, prefix: bool, joined: Option<String> },
}

impl SearchTerm {
    /// The word of a prefix of one word (`flood*`), not of a phrase's (`"city coun"*`) nor a
    /// compound's (`o'bri*`, also found written together).
    fn prefix_word(&self) -> Option<&str> {
        match self {
            SearchTerm::Phrase { words, prefix: true, joined: None } if words.len() == 1 => Some(&words[0]),
            SearchTerm::Phrase { .. } => None,
        }
    }
}

/// A reader's query, in Dateline's syntax: every word required, `"quoted phrases"`, `-word` or
/// `-"a phrase"` to exclude, `word*` for a prefix. Nothing typed is an error: what has no
/// letters or digits is ignored, an unclosed quote runs to the end, the engines' own operators
/// (`OR`, `NEAR`, `AND`) are ordinary words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub required: Vec<SearchTerm>,
    pub excluded: Vec<SearchTerm>,
}

impl SearchQuery {
    pub fn parse(input: &str) -> SearchQuery {
        let mut query = SearchQuery::default();
        let mut rest = input.trim_start();
        while !rest.is_empty() && query.required.len() + query.excluded.len() < MAX_TERMS {
            let excluded = rest.len() > 1 && rest.starts_with('-');
            if excluded {
                rest = &rest[1..];
            }
            let (raw, quoted, after) = match rest.strip_prefix('"') {
                Some(inner) => match inner.find('"') {
                    Some(end) => (&inner[..end], true, &inner[end + 1..]),
                    None => (inner, true, ""),
                },
                None => {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    (&rest[..end], false, &rest[end..])
                }
            };
            rest = after.trim_start();
            let prefix = raw.trim_end().ends_with('*') || (quoted && after.starts_with('*'));
            if quoted && after.starts_with('*') {
                rest = after[1..].trim_start();
            }
            let mut compounds: Vec<Vec<String>> = Vec::new();
            for_each_compound(raw, |parts| {
                compounds.push(parts.iter().filter(|p| p.len() <= MAX_WORD_BYTES).map(|p| p.to_string()).collect());
            });
            // A hyphenated or apostrophised word typed as one ("diaz-canel") is also found
            // written together; a quoted phrase means exactly its words.
            let joined = match compounds.as_slice() {
                // Not when the compound is longer than a word may be: PostgreSQL refuses such a
                // word in a query (a reader's search would fail), and no index holds it.
                [parts] if !quoted && parts.len() > 1 && parts.iter().map(String::len).sum::<usize>() <= MAX_WORD_BYTES => {
                    Some(parts.concat())
                }
                _ => None,
            };
            let words: Vec<String> = compounds.into_iter().flatten().collect();
            if words.is_empty() {
                continue;
            }
            let term = SearchTerm::Phrase { words, prefix, joined };
            if excluded { query.excluded.push(term) } else { query.required.push(term) }
        }
        query
    }

    /// Whether the query asks for nothing (no word to find; exclusions alone find nothing).
    pub fn is_empty(&self) -> bool {
        self.required.is_empty()
    }

    /// The query as an SQLite FTS5 expression; every word is quoted, so none is an operator.
    pub fn fts5(&self) -> String {
        self.fts5_phrases(|words| words.join(" "), |_| None)
    }

    /// The query as an FTS5 expression for an index whose fields carry their word pairs
    /// ([`with_pairs`]): a phrase of several words is the phrase of its pairs. FTS5 finds a
    /// phrase by comparing the positions of its words in every entry that has them all (most
    /// entries, for two common words); a pair is one word of the index, found from its own
    /// list. The same entries match in every field that has pairs: `a b c` stands in a field
    /// exactly where the pairs `a b` and `b c` stand side by side among its pairs, and `a b*`
    /// where a pair starts `a b`. The joined compounds have none: there a phrase of two
    /// compounds (`diazcanel obrien`, from anywhere in the post) matches by position only,
    /// which says nothing of the text, and the paired expression leaves it out.
    pub fn fts5_paired(&self) -> String {
        self.fts5_paired_with(&HashMap::new())
    }

    /// As [`SearchQuery::fts5_paired`], with each one-word prefix ([`SearchQuery::word_prefixes`])
    /// that `words` maps to the index's words starting with it written as those words, any of
    /// which matches: `flood*` as `("flood" OR "flooding" OR "floods")`. FTS5 answers a prefix
    /// by merging the lists of all its words into one, whole, before the first match, and again
    /// for each pass over the matches (the ranking's, the count's); words of their own are
    /// read as far as asked (docs/PERFORMANCE.md, "Stop 37"). A prefix `words` does not map,
    /// or maps to no word, stays a prefix.
    pub fn fts5_paired_with(&self, words: &HashMap<String, Vec<String>>) -> String {
        let paired = |phrase: &[String]| match phrase {
            [word] => word.clone(),
            _ => {
                let mut pairs = String::new();
                push_pairs(&mut pairs, phrase);
                pairs
            }
        };
        self.fts5_phrases(paired, |prefix| words.get(prefix).map(Vec::as_slice).filter(|words| !words.is_empty()))
    }

    /// The words of the query's terms that are a prefix of one word (`flood*`, not `"city
    /// coun"*` nor a compound's `o'bri*`) made of letters and digits only, so that the index's
    /// words starting with them are the words it would match. Each once.
    pub fn word_prefixes(&self) -> Vec<&str> {
        let mut prefixes: Vec<&str> = Vec::new();
        for word in self.required.iter().chain(&self.excluded).filter_map(SearchTerm::prefix_word) {
            if word.chars().all(char::is_alphanumeric) && !prefixes.contains(&word) {
                prefixes.push(word);
            }
        }
        prefixes
    }

    /// The FTS5 expression with each phrase's words written by `phrase`, and a one-word prefix
    /// that `expand` answers written as the words it gives, any of which matches.
    fn fts5_phrases<'a>(&'a self, phrase: impl Fn(&[String]) -> String, expand: impl Fn(&'a str) -> Option<&'a [String]>) -> String {
        let term = |out: &mut String, term: &'a SearchTerm| {
            if let Some(expanded) = term.prefix_word().and_then(&expand) {
                out.push('(');
                for (i, word) in expanded.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" OR ");
                    }
                    let _ = write!(out, "\"{}\"", word.replace('"', "\"\""));
                }
                out.push(')');
                return;
            }
            let SearchTerm::Phrase { words, prefix, joined } = term;
            let star = if *prefix { "*" } else { "" };
            match joined {
                Some(joined) => {
                    let _ = write!(out, "(\"{}\"{star} OR \"{joined}\"{star})", phrase(words));
                }
                None => {
                    let _ = write!(out, "\"{}\"{star}", phrase(words));
                }
            }
        };
        let mut out = String::from("(");
        for (i, t) in self.required.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            term(&mut out, t);
        }
        out.push(')');
        for t in &self.excluded {
            out.push_str(" NOT ");
            term(&mut out, t);
        }
        out
    }

    /// The query as an FTS5 expression that looks only in `columns`.
    pub fn fts5_in(&self, columns: &[&str]) -> String {
        format!("{{{}}} : ({})", columns.join(" "), self.fts5())
    }

    /// The query as a PostgreSQL `tsquery` literal (words are folded ASCII letters and digits,
    /// so quoting them cannot break out).
    pub fn tsquery(&self) -> String {
        self.tsquery_in("")
    }

    /// The query as a `tsquery` that looks only at words of the `weights` given (`"AD"`;
    /// empty: all).
    pub fn tsquery_in(&self, weights: &str) -> String {
        let term = |out: &mut String, SearchTerm::Phrase { words, prefix, joined }: &SearchTerm| {
            let plain = if weights.is_empty() { String::new() } else { format!(":{weights}") };
            let star = if *prefix { format!(":*{weights}") } else { plain.clone() };
            out.push_str("((");
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    out.push_str(" <-> ");
                }
                let last = if i + 1 == words.len() { &star } else { &plain };
                let _ = write!(out, "'{word}'{last}");
            }
            out.push(')');
            if let Some(joined) = joined {
                let _ = write!(out, " | '{joined}'{star}");
            }
            out.push(')');
        };
        let mut out = String::new();
        for (i, t) in self.required.iter().enumerate() {
            if i > 0 {
                out.push_str(" & ");
            }
            term(&mut out, t);
        }
        for t in &self.excluded {
            out.push_str(" & !");
            term(&mut out, t);
        }
        out
    }

    /// The lengths in bytes a folded word may have to be one the reader looked for: each
    /// word's own, or at least a prefix's.
    fn wanted_lengths(&self) -> WantedLengths {
        let mut wanted = WantedLengths { exact: [false; MAX_WORD_BYTES + 1], prefix: usize::MAX };
        let mut want = |length: usize, prefix: bool| {
            if let Some(exact) = wanted.exact.get_mut(length) {
                *exact = true;
            }
            if prefix {
                wanted.prefix = wanted.prefix.min(length);
            }
        };
        for SearchTerm::Phrase { words, prefix, joined } in &self.required {
            let last = words.len().saturating_sub(1);
            words.iter().enumerate().for_each(|(i, w)| want(w.len(), *prefix && i == last));
            joined.iter().for_each(|j| want(j.len(), false));
        }
        wanted
    }

    /// Whether a folded word of a result is one the reader looked for (to mark it).
    fn wanted(&self, word: &str) -> bool {
        self.required.iter().any(|SearchTerm::Phrase { words, prefix, joined }| {
            let last = words.len() - 1;
            words.iter().enumerate().any(|(i, w)| w == word || (*prefix && i == last && word.starts_with(w.as_str())))
                || joined.as_deref() == Some(word)
        })
    }
}

/// A piece of a result's text around the words found, with those words marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// Text in order; `true` where it is a word the reader looked for.
    pub parts: Vec<(String, bool)>,
}

impl Snippet {
    /// The window of at most `width` words with the most words looked for, from the first of
    /// `texts` that has any (the body before the dek, say); the start of the first text when
    /// none has (the post was found by its title or its tags).
    pub fn best(texts: &[&str], query: &SearchQuery, width: usize) -> Snippet {
        let width = width.max(1);
        let mut fallback = None;
        let lengths = query.wanted_lengths();
        for text in texts.iter().filter(|t| !t.trim().is_empty()) {
            let words = words_of(text, query, &lengths);
            let (start, marks) = best_window(&words, width);
            if marks > 0 {
                return Snippet::cut(text, &words, start, width);
            }
            if fallback.is_none() {
                fallback = Some(Snippet::cut(text, &words, 0, width));
            }
        }
        fallback.unwrap_or_default()
    }

    fn cut(text: &str, words: &[Word], start: usize, width: usize) -> Snippet {
        let mut parts = Vec::new();
        let Some(first) = words.get(start) else { return Snippet::default() };
        let end = (start + width).min(words.len());
        let last = &words[end - 1];
        if start > 0 {
            parts.push(("…".to_string(), false));
        }
        // A window at either end of the text keeps its punctuation (an opening or closing quote).
        let mut at = if start == 0 { 0 } else { first.start };
        let stop = if end == words.len() { text.len() } else { last.end };
        for word in &words[start..end] {
            if word.wanted {
                if word.start > at {
                    parts.push((text[at..word.start].to_string(), false));
                }
                parts.push((text[word.start..word.end].to_string(), true));
                at = word.end;
            }
        }
        if stop > at {
            parts.push((text[at..stop].trim_end().to_string(), false));
        }
        if end < words.len() {
            parts.push(("…".to_string(), false));
        }
        // Runs of white space (line breaks of the source) read as one space.
        for (piece, _) in &mut parts {
            if piece.contains(char::is_whitespace) {
                *piece = collapse_spaces(piece);
            }
        }
        Snippet { parts }
    }
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    if space {
        out.push(' ');
    }
    out
}

struct Word {
    start: usize,
    end: usize,
    wanted: bool,
}

/// The words of `text` as written (runs of letters and digits), each with whether it is wanted
/// (`lengths`: [`SearchQuery::wanted_lengths`], made once for all of a snippet's texts).
///
/// Every result's text is read whole for its snippet, ten results a page: this is a search
/// page's largest cost outside the store (about a tenth of a new search's server time,
/// docs/PERFORMANCE.md "Stop 39"). So the text is read byte by byte, a character decoded only
/// where a byte is not ASCII, and a word is looked at only when its length could be wanted.
fn words_of(text: &str, query: &SearchQuery, lengths: &WantedLengths) -> Vec<Word> {
    let bytes = text.as_bytes();
    // About one word in six bytes of prose: one allocation for most texts.
    let mut words = Vec::with_capacity(bytes.len() / 6 + 1);
    // Most words are ASCII, whose folded form is their lowercase: made in one buffer instead of
    // folded anew (four allocations a word, a result's body has thousands of words).
    let mut lowercase = String::new();
    let mut at = 0;
    while let Some(start) = next_word(text, at) {
        at = word_end(text, start);
        let word = &text[start..at];
        let wanted = if word.is_ascii() {
            // A word of no length looked for cannot be one: most words of a body are passed
            // over without being lowercased or compared.
            lengths.may_be(word.len()) && {
                lowercase.clear();
                lowercase.push_str(word);
                lowercase.make_ascii_lowercase();
                query.wanted(&lowercase)
            }
        } else {
            fold(word).split(' ').any(|w| !w.is_empty() && query.wanted(w))
        };
        words.push(Word { start, end: at, wanted });
    }
    words
}

/// Where the next word of `text` starts, from byte `at` (a character boundary). The run of
/// ASCII bytes that are neither letters nor digits is passed over in a tight loop, which is
/// where a text's spaces and punctuation go; a character is decoded only where a byte is not
/// ASCII.
fn next_word(text: &str, mut at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        at += bytes.get(at..)?.iter().position(|b| b.is_ascii_alphanumeric() || !b.is_ascii())?;
        match char_at(text, at) {
            (true, _) => return Some(at),
            (false, width) => at += width,
        }
    }
}

/// Where the word starting at byte `start` of `text` ends: its ASCII letters and digits in a
/// tight loop, a character decoded only where a byte is not ASCII.
fn word_end(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        at += bytes[at..].iter().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(bytes.len() - at);
        match bytes.get(at) {
            Some(byte) if !byte.is_ascii() => match char_at(text, at) {
                (true, width) => at += width,
                (false, _) => return at,
            },
            _ => return at,
        }
    }
}

/// Whether the character at byte `at` of `text` (a character boundary) is a letter or a digit,
/// and its width in bytes.
#[inline]
fn char_at(text: &str, at: usize) -> (bool, usize) {
    match text.as_bytes()[at] {
        byte if byte.is_ascii() => (byte.is_ascii_alphanumeric(), 1),
        _ => match text.get(at..).and_then(|rest| rest.chars().next()) {
            Some(c) => (c.is_alphanumeric(), c.len_utf8()),
            // Not a boundary: cannot happen, as every step is a whole character.
            None => (false, 1),
        },
    }
}

/// The lengths in bytes an ASCII word may have to be wanted: a word's own, or at least a
/// prefix's.
struct WantedLengths {
    exact: [bool; MAX_WORD_BYTES + 1],
    /// The shortest prefix looked for (`usize::MAX`: none).
    prefix: usize,
}

impl WantedLengths {
    /// Longer words than [`MAX_WORD_BYTES`] are not indexed, so never wanted.
    fn may_be(&self, length: usize) -> bool {
        length <= MAX_WORD_BYTES && (self.exact[length] || length >= self.prefix)
    }
}

/// The start of the `width`-word window with the most wanted words, and how many it has.
fn best_window(words: &[Word], width: usize) -> (usize, usize) {
    let mut count = words.iter().take(width).filter(|w| w.wanted).count();
    let (mut best, mut best_count) = (0, count);
    for start in 1..words.len().saturating_sub(width) + 1 {
        count = count - usize::from(words[start - 1].wanted) + usize::from(words.get(start + width - 1).is_some_and(|w| w.wanted));
        if count > best_count {
            (best, best_count) = (start, count);
        }
    }
    // Start a little before the first word found, so it is read in its sentence.
    let lead = width / 4;
    let first_wanted = words[best..].iter().position(|w| w.wanted).map_or(best, |p| best + p);
    let start = first_wanted.saturating_sub(lead).max(best.saturating_sub(lead)).min(words.len().saturating_sub(width));
    (start, best_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_scripts() {
        assert_eq!(fold("Díaz-Canel visits São Paulo"), "diaz canel visits sao paulo");
        assert_eq!(fold("ZÜRICH Straße Łódź Québec Ñuñoa"), "zurich strasse lodz quebec nunoa");
        assert_eq!(fold("l’État, O'Brien's"), "l etat o brien s");
        assert_eq!(fold("  ***  "), "");
        assert_eq!(fold(&"x".repeat(65)), "");
    }

    #[test]
    fn documents_keep_compounds_written_together() {
        let doc = SearchDocument::new(SearchFields {
            title: "O'Brien meets Díaz-Canel",
            body_html: "<p>First</p><p>second&nbsp;para &amp; more &#8217;s S&atilde;o</p>",
            terms: &["Cuba"],
            ..SearchFields::default()
        });
        assert_eq!(doc.title, "o brien meets diaz canel");
        assert_eq!(doc.joined, "obrien diazcanel");
        assert_eq!(doc.body, "first second para more s sao");
        assert_eq!(doc.terms, "cuba");
    }

    #[test]
    fn phrases_are_asked_as_word_pairs_of_an_index_that_holds_them() {
        assert_eq!(with_pairs("city council met"), "city council met ʼcityʼcouncil ʼcouncilʼmet");
        assert_eq!(with_pairs("council"), "council");
        assert_eq!(with_pairs(""), "");
        let q = SearchQuery::parse(r#"Díaz-Canel "the city council" -"city hall" "council me"* putin"#);
        assert_eq!(
            q.fts5_paired(),
            r#"(("ʼdiazʼcanel" OR "diazcanel") AND "ʼtheʼcity ʼcityʼcouncil" AND "ʼcouncilʼme"* AND "putin") NOT "ʼcityʼhall""#
        );
        // A pair is made of folded words as they are, however often one repeats.
        assert_eq!(with_pairs("no no no"), "no no no ʼnoʼno ʼnoʼno");
    }

    #[test]
    fn a_prefix_of_one_word_can_be_asked_as_the_words_it_starts() {
        let q = SearchQuery::parse(r#"flood* -zon* "city coun"* o'bri* brasil* flood* ünter*"#);
        // Phrases and compounds stay prefixes; each word once, the required first.
        assert_eq!(q.word_prefixes(), ["flood", "brasil", "unter", "zon"]);
        let words = HashMap::from([
            ("flood".to_string(), vec!["flood".to_string(), "floods".to_string()]),
            ("zon".to_string(), vec!["zoning".to_string()]),
            // No word starts with it: it stays a prefix (and finds nothing).
            ("brasil".to_string(), vec![]),
        ]);
        assert_eq!(
            q.fts5_paired_with(&words),
            r#"(("flood" OR "floods") AND "ʼcityʼcoun"* AND ("ʼoʼbri"* OR "obri"*) AND "brasil"* AND ("flood" OR "floods") AND "unter"*) NOT ("zoning")"#
        );
        assert_eq!(q.fts5_paired_with(&HashMap::new()), q.fts5_paired());
    }

    #[test]
    fn parses_what_readers_type() {
        let q = SearchQuery::parse(r#"Díaz-Canel "raúl castro" -putin brasil* "#);
        assert_eq!(q.fts5(), r#"(("diaz canel" OR "diazcanel") AND "raul castro" AND "brasil"*) NOT "putin""#);
        assert_eq!(q.tsquery(), "(('diaz' <-> 'canel') | 'diazcanel') & (('raul' <-> 'castro')) & (('brasil':*)) & !(('putin'))");
        assert_eq!(
            q.tsquery_in("AD"),
            "(('diaz':AD <-> 'canel':AD) | 'diazcanel':AD) & (('raul':AD <-> 'castro':AD)) & (('brasil':*AD)) & !(('putin':AD))"
        );
        assert_eq!(SearchQuery::parse("ana").fts5_in(&["body", "author"]), r#"{body author} : (("ana"))"#);
        assert!(SearchQuery::parse("*** - \"").is_empty());
        assert!(SearchQuery::parse("-cuba").is_empty());
        // Found by the fuzzer (fuzz/corpus/search_query/regress-long-compound): parts short
        // enough, joined too long for a word; PostgreSQL refused the whole query.
        let long = vec!["caaz"; 600].join("-");
        let SearchTerm::Phrase { words, joined, .. } = &SearchQuery::parse(&long).required[0];
        assert_eq!((words.len(), joined), (600, &None));
        let q = SearchQuery::parse("a OR NEAR(x y) '; DROP TABLE posts; -- \"unclosed");
        assert_eq!(q.fts5(), r#"("a" AND "or" AND "near x" AND "y" AND "drop" AND "table" AND "posts" AND "unclosed")"#);
        assert_eq!(SearchQuery::parse(&"word ".repeat(100)).required.len(), MAX_TERMS);
    }

    #[test]
    fn snippets_mark_the_words_found_in_their_sentence() {
        let q = SearchQuery::parse("gamez cuba*");
        let text = "Nora Gámez Torres reports that the Cuban government has cut the electricity again.";
        let snippet = Snippet::best(&["", text], &q, 8);
        let marked: Vec<&str> = snippet.parts.iter().filter(|(_, m)| *m).map(|(t, _)| t.as_str()).collect();
        assert_eq!(marked, ["Gámez", "Cuban"]);
        let shown: String = snippet.parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(shown, "Nora Gámez Torres reports that the Cuban government…");
        let whole = Snippet::best(&["“Gámez,” she said."], &q, 8);
        assert_eq!(whole.parts, [("“".to_string(), false), ("Gámez".to_string(), true), (",” she said.".to_string(), false)]);
        let none = Snippet::best(&["Nothing here at all"], &q, 3);
        assert_eq!(none.parts, [("Nothing here at".to_string(), false), ("…".to_string(), false)]);
    }

    #[test]
    fn a_snippet_is_the_first_window_with_the_most_words_found() {
        let q = SearchQuery::parse("tapir");
        let words: Vec<String> = (0..100).map(|i| if [10, 60, 64].contains(&i) { "tapir".into() } else { format!("w{i}") }).collect();
        let text = words.join(" ");
        let shown = |width| Snippet::best(&[&text], &q, width).parts.into_iter().map(|(t, _)| t).collect::<String>();
        // Two found in one window outweigh the first one alone; it starts a quarter before them.
        assert_eq!(shown(8), "…w58 w59 tapir w61 w62 w63 tapir w65…");
        // One at most in any window: the first.
        assert_eq!(shown(3), "…tapir w11 w12…");
        // Wider than the text: all of it.
        assert_eq!(shown(200), text);
        // A text with none: its start.
        assert_eq!(
            Snippet::best(&[&text], &SearchQuery::parse("zebra"), 2).parts,
            [("w0 w1".to_string(), false), ("…".to_string(), false)]
        );
    }

    #[test]
    fn snippets_find_words_between_any_characters() {
        // Words run up to any character that is not a letter or a digit, of whatever width;
        // letters of other scripts are words too, and a word past the index's longest is not one.
        let q = SearchQuery::parse("sao paulo zurich cafe 東京 long*");
        let long = format!("long{}", "g".repeat(61));
        let text = format!("São—Paulo…Zürich «café» 東京, {long} longer");
        let marked: Vec<String> = Snippet::best(&[&text], &q, 40).parts.into_iter().filter(|(_, m)| *m).map(|(t, _)| t).collect();
        assert_eq!(marked, ["São", "Paulo", "Zürich", "café", "東京", "longer"]);
        // A text whose last word ends in a letter of several bytes.
        let ending = Snippet::best(&["Visita a Bogotá"], &SearchQuery::parse("bogota"), 40);
        assert_eq!(ending.parts, [("Visita a ".to_string(), false), ("Bogotá".to_string(), true)]);
    }

    #[test]
    fn snippets_mark_words_of_every_length_looked_for_and_no_other() {
        // A prefix marks its word and longer ones, a word only itself, a joined compound its
        // written-together form; words of the same length as one looked for stay unmarked.
        let q = SearchQuery::parse("flood* city o'brien");
        let text = "Floods hit the city; FLOOD water, a flow, a floodwall. Cite OBrien and O'Brien.";
        let marked: Vec<String> = Snippet::best(&[text], &q, 40).parts.into_iter().filter(|(_, m)| *m).map(|(t, _)| t).collect();
        assert_eq!(marked, ["Floods", "city", "FLOOD", "floodwall", "OBrien", "O", "Brien"]);
    }
}
