//! A small, deterministic mutator for the short run on the stable toolchain: byte flips,
//! inserted and removed runs, repeated runs (deep nesting, long inputs) and splices of the
//! corpus and of tokens that matter to the parsers. The long runs use libFuzzer's own,
//! coverage-guided one (`fuzz/`); this only keeps every CI run trying new inputs.

/// Tokens the parsers treat specially, spliced in to reach their rarer paths.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"&amp;",
    b"&#x0;",
    b"\"",
    b"'",
    b"\\",
    b"\n\n",
    b"[",
    b"]",
    b"(",
    b")",
    b"*",
    b"_",
    b"`",
    b"```",
    b"> ",
    b"-",
    b"%",
    b"%ff",
    b"&",
    b"=",
    b"{",
    b"}",
    b":",
    b"javascript:",
    b"<script>",
    b"<a href=",
    b"onerror=",
    b"<wp:comment>",
    b"<item>",
    b"</item>",
    b"<content:encoded>",
    b"[gallery ids=\"",
    b"[embed]",
    b"<p>",
    b"<blockquote>",
    b"\xc3\xad",
    b"\xff\xfe",
    b"\0",
    b"NEAR(",
    b"\"diaz canel\"",
    b"-",
    b"*",
    b"AND",
    b"OR",
    b"NOT",
    b"^",
    b"!",
];

/// xorshift64*: enough randomness for mutations, with no dependency and a printable seed.
pub struct Mutator {
    state: u64,
}

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator { state: seed.max(1) }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A new input from `base`, with one to four changes; `other` is spliced from.
    pub fn mutate(&mut self, base: &[u8], other: &[u8], max_len: usize) -> Vec<u8> {
        let mut out = base.to_vec();
        for _ in 0..=self.below(4) {
            let at = self.below(out.len() + 1);
            match self.below(7) {
                0 if !out.is_empty() => {
                    let i = self.below(out.len());
                    out[i] ^= 1 << self.below(8);
                }
                1 if !out.is_empty() => {
                    let end = (at + 1 + self.below(16)).min(out.len());
                    out.drain(at.min(end)..end);
                }
                2 => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.splice(at..at, token.iter().copied());
                }
                3 if !out.is_empty() => {
                    // A run repeated many times: nesting, long words, long lines.
                    let start = self.below(out.len());
                    let end = (start + 1 + self.below(8)).min(out.len());
                    let run = out[start..end].to_vec();
                    let times = 1 + self.below(2000);
                    let repeated: Vec<u8> = run.iter().copied().cycle().take(run.len() * times).collect();
                    out.splice(at..at, repeated);
                }
                4 if !other.is_empty() => {
                    let start = self.below(other.len());
                    let end = (start + 1 + self.below(256)).min(other.len());
                    out.splice(at..at, other[start..end].iter().copied());
                }
                5 => {
                    let byte = self.next() as u8;
                    out.insert(at, byte);
                }
                _ => {
                    let token = TOKENS[self.below(TOKENS.len())];
                    out.extend_from_slice(token);
                }
            }
        }
        out.truncate(max_len);
        out
    }
}
