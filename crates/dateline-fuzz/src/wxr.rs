//! A WordPress export, read and imported: whatever the file holds, the reader answers with
//! records or a precise error, and the import into a real SQLite store commits whole or leaves
//! the store as it was (one transaction).

use std::sync::OnceLock;

use dateline_testkit::TestStore;
use dateline_wxr::ImportOptions;

struct Target {
    store: TestStore,
    file: std::path::PathBuf,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let store = crate::runtime().block_on(dateline_testkit::fresh_sqlite());
        let file = std::env::temp_dir().join(format!("{}.xml", dateline_testkit::unique_name("dateline_fuzz_wxr")));
        Target { store, file }
    })
}

/// Rows in the tables an import writes.
async fn rows(store: &TestStore) -> Vec<i64> {
    let mut conn = store.side_connection().await;
    let mut counts = Vec::new();
    for table in ["posts", "comments", "terms", "post_terms", "users", "meta", "media", "redirects"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        counts.push(sqlx::query_scalar::<_, i64>(&sql).fetch_one(&mut conn).await.unwrap_or(-1));
    }
    counts
}

pub fn run(data: &[u8]) {
    // The reader alone, as `dateline import wxr --dry-run` runs it.
    let mut records = 0u64;
    let read = dateline_wxr::reader::read(std::io::Cursor::new(data), &mut |_| {
        records += 1;
        true
    });
    if read.is_err() && records == 0 {
        return;
    }
    // Anything the reader took: imported into the store, whole or not at all.
    let target = target();
    std::fs::write(&target.file, data).expect("write the export to a temporary file");
    crate::runtime().block_on(async {
        let before = rows(&target.store).await;
        let store = target.store.dyn_store();
        let outcome =
            dateline_wxr::import_files(Some(store.as_ref()), std::slice::from_ref(&target.file), &ImportOptions::default(), &|_| {}).await;
        if outcome.is_err() {
            assert_eq!(rows(&target.store).await, before, "a failed import left rows behind: {outcome:?}");
        }
    });
}
