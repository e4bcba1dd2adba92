//! PostgreSQL's index entries as `tsvector` literals, built here from the folded words.
//!
//! Why not `to_tsvector('simple', …)`: the fields are already folded by Dateline into
//! lowercase ASCII words separated by single spaces, which PostgreSQL's text parser would
//! split again word by word, converting each to wide characters to classify it. That parser
//! was a quarter of PostgreSQL's time in a WordPress import (`perf`, docs/PERFORMANCE.md,
//! "Stop 32"); reading a literal costs about a third of it. The literal holds what
//! `setweight(to_tsvector('simple', a), 'A') || setweight(to_tsvector('simple', b), 'B') || …`
//! makes of the same words, limits included (a test compares the two on a server), with one
//! difference that is wanted: PostgreSQL's parser reads a word such as `1e90ff` (a colour, a
//! hash) as a number in scientific notation followed by another word (`1e90`, `ff`), so the
//! query `1e90ff`, one word for Dateline as for SQLite, never found it. Here it is one word.

use std::collections::HashMap;

/// The largest position PostgreSQL keeps; later words all stand at it.
const LAST_POSITION: u32 = (1 << 14) - 1;

/// The most positions a lexeme keeps from one `to_tsvector`.
const POSITIONS_PARSED: u32 = 255;

/// The most positions a lexeme keeps after `||`.
const POSITIONS_JOINED: u32 = 256;

/// A lexeme while its positions are counted.
struct Lexeme<'a> {
    word: &'a str,
    /// The group it was last seen in, and what `to_tsvector` of that group kept of it.
    group: usize,
    parsed: u32,
    last_parsed: u32,
    /// What the concatenation kept of it so far.
    joined: u32,
    last_joined: u32,
}

/// The `tsvector` literal of `groups`: each a weight (`'A'`–`'D'`) and the folded texts that
/// carry it (their words in order, as if joined by spaces), concatenated in order.
///
/// An import builds one for each of 200,000 comments while PostgreSQL waits for it, so the
/// words are counted in one pass, with a fast hash, into one list of positions.
pub(crate) fn literal(groups: &[(char, Vec<&str>)]) -> String {
    let mut index: HashMap<&str, u32, foldhash::fast::RandomState> = HashMap::default();
    let mut lexemes: Vec<Lexeme> = Vec::new();
    // (lexeme, position, weight) of every position kept.
    let mut positions: Vec<(u32, u32, u8)> = Vec::new();
    // `||` moves the right side's positions past the largest one on its left.
    let mut largest = 0;
    for (group, (weight, texts)) in groups.iter().enumerate() {
        let offset = largest;
        let words = texts.iter().flat_map(|text| text.split(' ')).filter(|word| !word.is_empty());
        for (n, word) in words.enumerate() {
            let position = (n as u32).saturating_add(1).min(LAST_POSITION);
            let at = *index.entry(word).or_insert_with(|| {
                lexemes.push(Lexeme { word, group, parsed: 0, last_parsed: 0, joined: 0, last_joined: 0 });
                lexemes.len() as u32 - 1
            });
            let lexeme = &mut lexemes[at as usize];
            if lexeme.group != group {
                (lexeme.group, lexeme.parsed, lexeme.last_parsed) = (group, 0, 0);
            }
            // What `to_tsvector` keeps of the group…
            if lexeme.parsed >= POSITIONS_PARSED || lexeme.last_parsed == LAST_POSITION || lexeme.last_parsed == position {
                continue;
            }
            (lexeme.parsed, lexeme.last_parsed) = (lexeme.parsed + 1, position);
            // …and what `||` keeps of that.
            if lexeme.joined >= POSITIONS_JOINED || lexeme.last_joined == LAST_POSITION {
                continue;
            }
            let moved = (position + offset).min(LAST_POSITION);
            (lexeme.joined, lexeme.last_joined) = (lexeme.joined + 1, moved);
            positions.push((at, moved, *weight as u8));
            largest = largest.max(moved);
        }
    }
    // A lexeme's positions rise, and are unique, in the order they were kept.
    positions.sort_by_key(|(lexeme, _, _)| *lexeme);
    let mut out = String::with_capacity(positions.len() * 6 + lexemes.iter().map(|l| l.word.len() + 3).sum::<usize>());
    let mut current = None;
    // Numbers written by `itoa` (`write!` was a tenth of the literal's time).
    let mut digits = itoa::Buffer::new();
    for (lexeme, position, weight) in positions {
        if current == Some(lexeme) {
            out.push(',');
        } else {
            if current.is_some() {
                out.push(' ');
            }
            // Folded words are ASCII letters and digits: nothing to escape inside the quotes.
            out.push('\'');
            out.push_str(lexemes[lexeme as usize].word);
            out.push_str("':");
            current = Some(lexeme);
        }
        out.push_str(digits.format(position));
        if weight != b'D' {
            out.push(weight as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_positions_and_concatenation() {
        let groups = vec![('A', vec!["a b a"]), ('B', vec!["", ""]), ('D', vec!["a", "c"])];
        assert_eq!(literal(&groups), "'a':1A,3A,4 'b':2A 'c':5");
        assert_eq!(literal(&[('A', vec![""]), ('D', vec![])]), "");
    }

    #[test]
    fn positions_stop_at_the_last_and_the_count_is_bounded() {
        let long = vec!["x"; 20_000].join(" ");
        let out = literal(&[('D', vec![long.as_str()])]);
        assert_eq!(out.matches(',').count() + 1, POSITIONS_PARSED as usize);
        let far = format!("{} y y", vec!["w"; 16_390].join(" "));
        assert!(literal(&[('D', vec![far.as_str()])]).ends_with("'y':16383"));
    }

    #[test]
    fn a_word_is_one_lexeme_whatever_it_looks_like() {
        assert_eq!(literal(&[('D', vec!["1e90ff x 1e5 v2"])]), "'1e90ff':1 'x':2 '1e5':3 'v2':4");
    }

    /// The literal against PostgreSQL's own `to_tsvector`, on a server when the suite has one.
    #[tokio::test]
    async fn postgresql_reads_the_literal_as_its_parser_makes_the_words() {
        let Some(url) = dateline_testkit::pg_url() else { return };
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
        let many = vec!["often"; 300].join(" ");
        let long: String = (0..17_000).map(|i| format!("w{} often", i % 97)).collect::<Vec<_>>().join(" ");
        let cases: Vec<Vec<(char, Vec<&str>)>> = vec![
            vec![
                ('A', vec!["diaz canel diazcanel"]),
                ('B', vec!["havana", "reuters maria"]),
                ('C', vec!["cuba", ""]),
                ('D', vec!["the council of the 2026 budget 007"]),
            ],
            vec![('A', vec![""]), ('B', vec!["", ""]), ('D', vec!["only body body"])],
            vec![('A', vec![many.as_str()]), ('D', vec![many.as_str()])],
            vec![('A', vec!["often title"]), ('B', vec![long.as_str()]), ('D', vec![long.as_str(), "tail often"])],
            vec![('A', vec![long.as_str()]), ('C', vec!["often after"])],
        ];
        for groups in &cases {
            let mut expression = String::new();
            let mut texts = Vec::new();
            for (weight, parts) in groups {
                if !expression.is_empty() {
                    expression.push_str(" || ");
                }
                texts.push(parts.join(" "));
                expression.push_str(&format!("setweight(to_tsvector('simple', ${}), '{weight}')", texts.len() + 1));
            }
            let sql = format!("SELECT CAST($1 AS tsvector) = ({expression}), CAST($1 AS tsvector)::text, ({expression})::text");
            let mut query = sqlx::query_as::<_, (bool, String, String)>(&sql).bind(literal(groups));
            for text in &texts {
                query = query.bind(text);
            }
            let (same, ours, theirs) = query.fetch_one(&mut conn).await.expect("compare");
            assert!(same, "the literal differs from to_tsvector's:\nours:   {:.300}\ntheirs: {:.300}", ours, theirs);
        }
        // Where the two differ on purpose: the word a reader types is the word indexed.
        let sql =
            "SELECT CAST($1 AS tsvector) @@ CAST('''1e90ff''' AS tsquery), to_tsvector('simple', $2) @@ CAST('''1e90ff''' AS tsquery)";
        let (ours, theirs) = sqlx::query_as::<_, (bool, bool)>(sql)
            .bind(literal(&[('D', vec!["colour 1e90ff"])]))
            .bind("colour 1e90ff")
            .fetch_one(&mut conn)
            .await
            .expect("match");
        assert!(ours && !theirs, "1e90ff: found in the literal {ours}, in to_tsvector's {theirs}");
    }
}
