//! A bound on how deeply HTML nests before it reaches the sanitizer. html5ever (inside ammonia)
//! spends time in proportion to the depth of open elements for every element it adds, so N
//! nested elements cost N²: 8,000 nested `<div>`s took 0.6 s, 64,000 nested Markdown quotes 31 s,
//! 200,000 `<div>`s in an imported post 266 s. No real post nests more than a few dozen deep.
//!
//! [`bound_nesting`] walks the markup once, keeping its own stack of the elements it believes
//! open. It errs on the side of believing too many are open (it applies only the commonest of
//! the HTML parser's implied closings: `<p>`, `<li>`, `<dt>`/`<dd>`, table rows and cells,
//! `<option>`), so the depth the parser builds never exceeds its count. Past [`MAX_DEPTH`],
//! start and end tags are dropped and their text kept: the words survive, the deep structure
//! does not. Linear in the input.

/// Deepest nesting kept. Well above anything an author writes by hand or an editor produces.
pub const MAX_DEPTH: usize = 100;

/// Elements that never have content.
const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"];

/// Start tags that close an open `<p>` (HTML's "close a p element" rule).
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "ul",
    "li",
    "dd",
    "dt",
    "plaintext",
    "xmp",
];

/// Elements whose end tag the parser honours by closing everything above them, when all of
/// that is elements with implied end tags ([`IMPLIED`]): `</ul>` after `<ul><li>a` closes both.
const BLOCK_END: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "button",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "pre",
    "section",
    "summary",
    "ul",
    "li",
    "dd",
    "dt",
    "p",
];

/// Elements whose end is implied by the end of what contains them.
const IMPLIED: &[&str] = &["dd", "dt", "li", "optgroup", "option", "p", "rb", "rp", "rt", "rtc"];

/// Table parts a table's (or row's) end tag closes.
const TABLE_PARTS: &[&str] = &["table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup"];

/// Elements the parser makes once whatever the markup says: not counted.
const ROOTS: &[&str] = &["html", "head", "body"];

/// Where the search for an element to close implicitly stops (roughly HTML's scopes).
const SCOPE: &[&str] = &["html", "table", "td", "th", "caption", "button", "object", "template", "applet", "marquee", "select"];

/// What HTML closes implicitly when `name` starts: the element (if open within scope) that
/// a new one of these replaces, and the elements at which the search stops.
fn implied_close(name: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    match name {
        "li" => Some((&["li"], &["ul", "ol", "menu", "table", "td", "th", "button", "html"])),
        "dt" | "dd" => Some((&["dt", "dd"], &["dl", "table", "td", "th", "button", "html"])),
        "tr" => Some((&["tr"], &["table", "thead", "tbody", "tfoot", "html"])),
        "td" | "th" => Some((&["td", "th"], &["tr", "table", "html"])),
        "thead" | "tbody" | "tfoot" => Some((&["thead", "tbody", "tfoot"], &["table", "html"])),
        "option" => Some((&["option"], &["select", "datalist", "html"])),
        _ => None,
    }
}

/// The tag at the start of `rest` (which begins with `<`): its byte length, its lowercased
/// name, and whether it is an end tag. `None` for text that only looks like a tag start.
fn read_tag(rest: &str) -> Option<(usize, String, bool)> {
    let bytes = rest.as_bytes();
    let (closing, name_start) = if bytes.get(1) == Some(&b'/') { (true, 2) } else { (false, 1) };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_end =
        rest[name_start..].find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>').map_or(rest.len(), |i| name_start + i);
    let name = rest[name_start..name_end].to_ascii_lowercase();
    // The end of the tag: the first `>` outside a quoted attribute value.
    let mut quote = None;
    for (i, byte) in bytes.iter().enumerate().skip(name_end) {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(*byte),
            (Some(q), b) if q == *b => quote = None,
            (None, b'>') => return Some((i + 1, name, closing)),
            _ => {}
        }
    }
    // An unfinished tag: the parser drops it; so does this.
    Some((rest.len(), name, closing))
}

/// `html` with nesting deeper than [`MAX_DEPTH`] flattened (see the module's notes).
pub fn bound_nesting(html: &str) -> std::borrow::Cow<'_, str> {
    bound_nesting_reporting(html).0
}

/// The same, and whether anything was flattened (for reports).
pub fn bound_nesting_reporting(html: &str) -> (std::borrow::Cow<'_, str>, bool) {
    // Cheap check first: fewer start tags than the limit cannot nest past it.
    if html.matches('<').count() <= MAX_DEPTH {
        return (html.into(), false);
    }
    let mut flattened = false;
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<String> = Vec::with_capacity(MAX_DEPTH);
    // Start tags dropped past the limit whose end tags have not come yet.
    let mut dropped = 0usize;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // Comments, doctypes and processing instructions are copied as they are.
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").map_or(rest.len(), |i| i + 4 + 3);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let Some((len, name, closing)) = read_tag(rest) else {
            out.push('<');
            rest = &rest[1..];
            continue;
        };
        let tag = &rest[..len];
        rest = &rest[len..];
        if closing {
            if dropped > 0 {
                dropped -= 1;
            } else {
                close_ended(&mut open, &name);
                out.push_str(tag);
            }
            continue;
        }
        if VOID.contains(&name.as_str()) || ROOTS.contains(&name.as_str()) {
            out.push_str(tag);
            continue;
        }
        if dropped == 0 {
            close_implied(&mut open, &name);
        }
        if open.len() >= MAX_DEPTH || dropped > 0 {
            dropped += 1;
            flattened = true;
            continue;
        }
        open.push(name);
        out.push_str(tag);
    }
    out.push_str(rest);
    (out.into(), flattened)
}

/// Pops what the parser closes for the end tag `</name>`: the current element when it is
/// `name`; or, for a block or table part, `name` and what stands above it when that is only
/// elements whose end is implied. Anything else is left open (the parser may or may not close
/// it; counting it open is the safe side).
fn close_ended(open: &mut Vec<String>, name: &str) {
    let Some(at) = open.iter().rposition(|o| o == name) else { return };
    let above = &open[at + 1..];
    let closes = above.is_empty()
        || (BLOCK_END.contains(&name) && above.iter().all(|o| IMPLIED.contains(&o.as_str())))
        || (TABLE_PARTS.contains(&name) && above.iter().all(|o| IMPLIED.contains(&o.as_str()) || TABLE_PARTS.contains(&o.as_str())));
    if closes {
        open.truncate(at);
    }
}

/// Pops what the parser would close when `name` starts.
fn close_implied(open: &mut Vec<String>, name: &str) {
    let close_through = |open: &mut Vec<String>, targets: &[&str], stops: &[&str]| {
        if let Some(at) = open.iter().rposition(|o| targets.contains(&o.as_str()) || stops.contains(&o.as_str()))
            && targets.contains(&open[at].as_str())
        {
            open.truncate(at);
        }
    };
    if CLOSES_P.contains(&name) {
        close_through(open, &["p"], SCOPE);
    }
    if let Some((targets, stops)) = implied_close(name) {
        close_through(open, targets, stops);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(html: &str) -> usize {
        let (mut depth, mut deepest) = (0usize, 0usize);
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at..];
            match read_tag(rest) {
                Some((len, name, closing)) => {
                    if closing {
                        depth = depth.saturating_sub(1);
                    } else if !VOID.contains(&name.as_str()) {
                        depth += 1;
                        deepest = deepest.max(depth);
                    }
                    rest = &rest[len..];
                }
                None => rest = &rest[1..],
            }
        }
        deepest
    }

    #[test]
    fn leaves_ordinary_markup_alone() {
        let html = "<p>One <em>two</em></p><ul><li>a<li>b</ul><!-- c --><img src=\"x.png\" alt=\"a > b\">";
        assert_eq!(bound_nesting(html), html);
        // Many siblings, and unclosed paragraphs, list items and cells, are not depth.
        let list = "<ul>".to_string() + &"<li>z".repeat(5) + "</ul>";
        let table = "<table><tr>".to_string() + &"<td>c".repeat(3) + "<tr><td>d</table>";
        let siblings =
            "<p>x</p>".repeat(500) + &"<p>y".repeat(500) + &list.repeat(200) + &table.repeat(200) + "<html><body><p>end</body></html>";
        assert_eq!(bound_nesting(&siblings), siblings);
    }

    #[test]
    fn flattens_past_the_limit_keeping_the_text() {
        let n = 10_000;
        let deep = "<div>".repeat(n) + "deep words" + &"</div>".repeat(n) + "<p>after</p>";
        let bounded = bound_nesting(&deep);
        assert_eq!(depth_of(&bounded), MAX_DEPTH);
        assert!(bounded.contains("deep words") && bounded.ends_with("<p>after</p>"), "{}", &bounded[bounded.len() - 100..]);
        let unclosed = "<blockquote><b title='>'>".repeat(n) + "x";
        assert!(depth_of(&bound_nesting(&unclosed)) <= MAX_DEPTH);
    }
}
