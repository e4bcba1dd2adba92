//! The results of `serve`: one table of load runs (dateline beside nginx where there is a
//! yardstick) and lines for the single figures (cold start, import time, memory, freshness),
//! each against its target. Printed as aligned text and written as Markdown for
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

/// Everything one run of `serve` found.
#[derive(Debug, Default)]
pub struct Report {
    /// What was measured where (workload, store, machine), one item a line.
    pub setup: Vec<String>,
    pub rows: Vec<Row>,
    pub lines: Vec<Line>,
}

const HEADER: [&str; 11] =
    ["page", "conns", "encoding", "dateline req/s", "p99 ms", "nginx req/s", "p99 ms", "ratio", "errors", "target", "ok"];

impl Report {
    pub fn all_ok(&self) -> bool {
        self.rows.iter().all(|r| r.ok) && self.lines.iter().all(|l| l.ok)
    }

    pub fn line(&mut self, what: impl Into<String>, measured: impl Into<String>, target: impl Into<String>, ok: bool) {
        self.lines.push(Line { what: what.into(), measured: measured.into(), target: target.into(), ok });
    }

    fn cells(&self) -> Vec<[String; 11]> {
        let rate = |r: Option<WrkResult>| r.map_or("—".to_string(), |r| format!("{:.0}", r.requests_per_sec));
        let p99 = |r: Option<WrkResult>| r.map_or("—".to_string(), |r| format!("{:.2}", r.p99_ms));
        self.rows
            .iter()
            .map(|row| {
                [
                    row.page.clone(),
                    row.connections.to_string(),
                    row.encoding.clone(),
                    if row.dateline.is_none() { "failed".into() } else { rate(row.dateline) },
                    p99(row.dateline),
                    rate(row.nginx),
                    p99(row.nginx),
                    row.ratio().map_or("—".into(), |r| format!("{r:.2}")),
                    row.dateline.map_or("—".into(), |r| r.errors().to_string()),
                    row.target.clone(),
                    verdict(row.ok).into(),
                ]
            })
            .collect()
    }

    fn notes(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|row| row.note.as_ref().map(|note| format!("{} ({} conns, {}): {note}", row.page, row.connections, row.encoding)))
            .collect()
    }

    /// Aligned text for the terminal.
    pub fn text(&self) -> String {
        let cells = self.cells();
        let mut widths = HEADER.map(|h| h.chars().count());
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
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, width))| {
                    let pad = width - cell.chars().count();
                    // Numbers right-aligned, words left-aligned.
                    if (3..=8).contains(&i) || i == 1 { format!("{}{cell}", " ".repeat(pad)) } else { format!("{cell}{}", " ".repeat(pad)) }
                })
                .collect();
            let _ = writeln!(out, "{}", padded.join(" | ").trim_end());
        };
        render(&mut out, &HEADER.map(String::from));
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
        let _ = writeln!(out, "| {} |", HEADER.join(" | "));
        let _ = writeln!(out, "|{}", ["---|", "--:|", "---|", "--:|", "--:|", "--:|", "--:|", "--:|", "--:|", "---|", "---|"].concat());
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
}
