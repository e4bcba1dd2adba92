//! The results of `serve` and `search`: one table of load runs (for `serve`, dateline beside
//! nginx where there is a yardstick; for `search`, dateline alone with its median and errors
//! split) and lines for the single figures (cold start, import time, memory, freshness), each
//! against its target. Printed as aligned text and written as Markdown for
//! docs/PERFORMANCE.md. Knows nothing of how the figures were taken.

use std::fmt::Write as _;

use crate::wrk::WrkResult;

/// One load run.
#[derive(Debug, Clone)]
pub struct Row {
    pub page: String,
    pub connections: u32,
    pub encoding: String,
    /// `None` when the run could not be made (the reason is in `note`).
    pub dateline: Option<WrkResult>,
    pub nginx: Option<WrkResult>,
    /// The target in words, e.g. `≥0.8× nginx, p99 ≤10 ms, 0 errors`.
    pub target: String,
    pub ok: bool,
    /// Why the run failed or what else is worth knowing; listed under the table.
    pub note: Option<String>,
}

impl Row {
    /// dateline's req/s over nginx's.
    pub fn ratio(&self) -> Option<f64> {
        match (self.dateline, self.nginx) {
            (Some(d), Some(n)) if n.requests_per_sec > 0.0 => Some(d.requests_per_sec / n.requests_per_sec),
            _ => None,
        }
    }
}

/// A single figure.
#[derive(Debug, Clone)]
pub struct Line {
    pub what: String,
    pub measured: String,
    pub target: String,
    pub ok: bool,
}

/// Which columns the table of load runs has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Columns {
    /// dateline beside nginx and their ratio (`serve`).
    #[default]
    AgainstNginx,
    /// dateline alone, with the median, and error responses apart from lost requests
    /// (`search`: nginx has nothing to answer a search with).
    Alone,
}

impl Columns {
    fn header(self) -> &'static [&'static str] {
        match self {
            Columns::AgainstNginx => {
                &["page", "conns", "encoding", "dateline req/s", "p99 ms", "nginx req/s", "p99 ms", "ratio", "errors", "target", "ok"]
            }
            Columns::Alone => &["run", "conns", "req/s", "p50 ms", "p99 ms", "non-2xx", "socket errors", "target", "ok"],
        }
    }

    /// Whether column `i` holds numbers (right-aligned).
    fn numeric(self, i: usize) -> bool {
        match self {
            Columns::AgainstNginx => i == 1 || (3..=8).contains(&i),
            Columns::Alone => (1..=6).contains(&i),
        }
    }

    fn cells(self, row: &Row) -> Vec<String> {
        let rate = |r: Option<WrkResult>| r.map_or("—".to_string(), |r| format!("{:.0}", r.requests_per_sec));
        let ms = |r: Option<WrkResult>, pick: fn(&WrkResult) -> f64| r.map_or("—".to_string(), |r| format!("{:.2}", pick(&r)));
        let count = |r: Option<WrkResult>, pick: fn(&WrkResult) -> u64| r.map_or("—".to_string(), |r| pick(&r).to_string());
        let dateline_rate = if row.dateline.is_none() { "failed".into() } else { rate(row.dateline) };
        match self {
            Columns::AgainstNginx => vec![
                row.page.clone(),
                row.connections.to_string(),
                row.encoding.clone(),
                dateline_rate,
                ms(row.dateline, |r| r.p99_ms),
                rate(row.nginx),
                ms(row.nginx, |r| r.p99_ms),
                row.ratio().map_or("—".into(), |r| format!("{r:.2}")),
                count(row.dateline, WrkResult::errors),
                row.target.clone(),
                verdict(row.ok).into(),
            ],
            Columns::Alone => vec![
                row.page.clone(),
                row.connections.to_string(),
                dateline_rate,
                ms(row.dateline, |r| r.p50_ms),
                ms(row.dateline, |r| r.p99_ms),
                count(row.dateline, |r| r.non_2xx_3xx),
                count(row.dateline, WrkResult::socket_errors),
                row.target.clone(),
                verdict(row.ok).into(),
            ],
        }
    }
}

/// Everything one run of `serve` or `search` found.
#[derive(Debug, Default)]
pub struct Report {
    /// What was measured where (workload, store, machine), one item a line.
    pub setup: Vec<String>,
    pub columns: Columns,
    pub rows: Vec<Row>,
    pub lines: Vec<Line>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.rows.iter().all(|r| r.ok) && self.lines.iter().all(|l| l.ok)
    }

    pub fn line(&mut self, what: impl Into<String>, measured: impl Into<String>, target: impl Into<String>, ok: bool) {
        self.lines.push(Line { what: what.into(), measured: measured.into(), target: target.into(), ok });
    }

    fn cells(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|row| self.columns.cells(row)).collect()
    }

    fn notes(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|row| {
                let note = row.note.as_ref()?;
                Some(match self.columns {
                    Columns::AgainstNginx => format!("{} ({} conns, {}): {note}", row.page, row.connections, row.encoding),
                    Columns::Alone => format!("{} ({} conns): {note}", row.page, row.connections),
                })
            })
            .collect()
    }

    /// Aligned text for the terminal.
    pub fn text(&self) -> String {
        let header = self.columns.header();
        let cells = self.cells();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for item in &self.setup {
            let _ = writeln!(out, "{item}");
        }
        out.push('\n');
        let render = |out: &mut String, row: &[String]| {
            let padded: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, width))| {
                    let pad = width - cell.chars().count();
                    // Numbers right-aligned, words left-aligned.
                    if self.columns.numeric(i) { format!("{}{cell}", " ".repeat(pad)) } else { format!("{cell}{}", " ".repeat(pad)) }
                })
                .collect();
            let _ = writeln!(out, "{}", padded.join(" | ").trim_end());
        };
        render(&mut out, &header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        let _ = writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
        for row in &cells {
            render(&mut out, row);
        }
        out.push('\n');
        let what_width = self.lines.iter().map(|l| l.what.chars().count()).max().unwrap_or(0);
        for line in &self.lines {
            let pad = what_width - line.what.chars().count();
            let _ = writeln!(out, "{}:{} {} (target {}) {}", line.what, " ".repeat(pad), line.measured, line.target, verdict(line.ok));
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push_str("\nnotes:\n");
            for note in notes {
                let _ = writeln!(out, "  {note}");
            }
        }
        let _ = writeln!(out, "\n{}", if self.all_ok() { "all targets met" } else { "SOME TARGETS MISSED" });
        out
    }

    /// Markdown, to paste into docs/PERFORMANCE.md.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for item in &self.setup {
            let _ = writeln!(out, "- {item}");
        }
        out.push('\n');
        let escape = |cell: &str| cell.replace('|', "\\|");
        let header = self.columns.header();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: String = (0..header.len()).map(|i| if self.columns.numeric(i) { "--:|" } else { "---|" }).collect();
        let _ = writeln!(out, "|{align}");
        for row in self.cells() {
            let _ = writeln!(out, "| {} |", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
        }
        out.push('\n');
        let _ = writeln!(out, "| measure | result | target | ok |\n|---|---|---|---|");
        for line in &self.lines {
            let _ =
                writeln!(out, "| {} | {} | {} | {} |", escape(&line.what), escape(&line.measured), escape(&line.target), verdict(line.ok));
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push('\n');
            for note in notes {
                let _ = writeln!(out, "- {}", note.replace('\n', " "));
            }
        }
        out
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let run = |rps: f64| WrkResult { requests: 10, requests_per_sec: rps, p99_ms: 2.5, ..WrkResult::default() };
        let mut report = Report { setup: vec!["workload: tiny".into()], ..Report::default() };
        report.rows.push(Row {
            page: "home".into(),
            connections: 64,
            encoding: "plain".into(),
            dateline: Some(run(900.0)),
            nginx: Some(run(1000.0)),
            target: "≥0.8× nginx".into(),
            ok: true,
            note: None,
        });
        report.rows.push(Row {
            page: "cold | post".into(),
            connections: 64,
            encoding: "plain".into(),
            dateline: None,
            nginx: None,
            target: "≥4000 req/s".into(),
            ok: false,
            note: Some("dateline refused the config".into()),
        });
        report.line("cold start", "120 ms", "≤200 ms", true);
        report
    }

    #[test]
    fn text_and_markdown_carry_every_row_and_verdict() {
        let report = sample();
        assert!(!report.all_ok());
        let text = report.text();
        assert!(text.contains("0.90"), "{text}");
        assert!(text.contains("failed"), "{text}");
        assert!(text.contains("dateline refused the config"), "{text}");
        assert!(text.contains("SOME TARGETS MISSED"), "{text}");
        let markdown = report.markdown();
        assert!(markdown.contains("| cold \\| post | 64 |"), "{markdown}");
        assert!(markdown.contains("| cold start | 120 ms | ≤200 ms | ok |"), "{markdown}");
    }

    #[test]
    fn alone_the_table_splits_errors_and_shows_the_median() {
        let run = WrkResult {
            requests: 10,
            requests_per_sec: 812.4,
            p50_ms: 4.25,
            p99_ms: 14.5,
            non_2xx_3xx: 3,
            timeouts: 2,
            ..WrkResult::default()
        };
        let mut report = Report { columns: Columns::Alone, ..Report::default() };
        report.rows.push(Row {
            page: "SQLite: searches".into(),
            connections: 16,
            encoding: "plain".into(),
            dateline: Some(run),
            nginx: None,
            target: "p99 ≤15 ms, 0 errors".into(),
            ok: false,
            note: Some("slow".into()),
        });
        let text = report.text();
        assert!(text.contains("p50 ms"), "{text}");
        assert!(!text.contains("nginx"), "{text}");
        assert!(text.contains("SQLite: searches (16 conns): slow"), "{text}");
        let markdown = report.markdown();
        assert!(markdown.contains("| SQLite: searches | 16 | 812 | 4.25 | 14.50 | 3 | 2 | p99 ≤15 ms, 0 errors | MISSED |"), "{markdown}");
        assert!(markdown.contains("|---|--:|--:|--:|--:|--:|--:|---|---|"), "{markdown}");
    }
}
