//! Bare web addresses in a comment's text become links, as WordPress's `make_clickable` makes
//! them: `https://…`, `http://…` and `www.…`, without the punctuation that ends a sentence.

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

/// Where each address in `text` starts and ends (byte offsets), and the link it stands for.
fn find_addresses(text: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let rest = &text[from..];
        let Some(offset) = ["https://", "http://", "www."].iter().filter_map(|p| rest.find(p)).min() else { break };
        let start = from + offset;
        // An address starts a word: "awww.x" is not one.
        let starts_word = text[..start].chars().next_back().is_none_or(|c| c.is_whitespace() || "([{\"'".contains(c));
        let mut end = start + text[start..].find(|c: char| c.is_whitespace() || c == '<' || c == '"').unwrap_or(text.len() - start);
        // Sentence punctuation after an address is not part of it; a ")" is, when "(" is too.
        while end > start {
            let last = text[..end].chars().next_back().unwrap_or(' ');
            let unbalanced_paren = last == ')' && text[start..end].matches('(').count() < text[start..end].matches(')').count();
            if ".,;:!?'\"".contains(last) || unbalanced_paren {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        let address = &text[start..end];
        let scheme_only = ["https://", "http://", "www."].contains(&address);
        if starts_word && !scheme_only && address.contains('.') {
            let href = if address.starts_with("www.") { format!("https://{address}") } else { address.to_string() };
            found.push((start, end, href));
            from = end;
        } else {
            from = start + 1;
            while !text.is_char_boundary(from) {
                from += 1;
            }
        }
    }
    found
}

/// The events for `text` with its bare addresses made into links.
pub(crate) fn linkify(text: CowStr<'_>) -> Vec<Event<'_>> {
    let addresses = find_addresses(&text);
    if addresses.is_empty() {
        return vec![Event::Text(text)];
    }
    let mut events = Vec::with_capacity(addresses.len() * 4 + 1);
    let mut at = 0;
    for (start, end, href) in addresses {
        if start > at {
            events.push(Event::Text(text[at..start].to_string().into()));
        }
        events.push(Event::Start(Tag::Link { link_type: LinkType::Autolink, dest_url: href.into(), title: "".into(), id: "".into() }));
        events.push(Event::Text(text[start..end].to_string().into()));
        events.push(Event::End(TagEnd::Link));
        at = end;
    }
    if at < text.len() {
        events.push(Event::Text(text[at..].to_string().into()));
    }
    events
}

#[cfg(test)]
mod tests {
    use super::find_addresses;

    fn hrefs(text: &str) -> Vec<String> {
        find_addresses(text).into_iter().map(|(_, _, href)| href).collect()
    }

    #[test]
    fn finds_addresses_as_wordpress_does() {
        assert_eq!(hrefs("See https://example.org/a?b=1."), ["https://example.org/a?b=1"]);
        assert_eq!(hrefs("(http://example.org/x) and www.example.com!"), ["http://example.org/x", "https://www.example.com"]);
        assert_eq!(hrefs("https://en.wikipedia.org/wiki/Foo_(bar), then"), ["https://en.wikipedia.org/wiki/Foo_(bar)"]);
        assert!(hrefs("awww.example.org, https:// alone, www. alone, ftp://x.org").is_empty());
        assert_eq!(hrefs("ünïcode https://例え.jp/パス ok"), ["https://例え.jp/パス"]);
    }
}
