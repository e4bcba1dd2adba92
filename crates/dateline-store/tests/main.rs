//! The store conformance suite: every case runs on SQLite and on PostgreSQL.

mod bylines;
mod cases;
mod embeds;
mod media;
mod methods;
mod search;
mod sources;

dateline_testkit::store_cases!(crate::cases:
    reopening_migrates_once,
    post_round_trips_every_field,
    slugs_are_made_unique,
    stream_shows_only_what_is_public_now,
    site_frame_names_the_categories_and_the_top_level_pages_readers_see,
    stream_paginates_and_puts_sticky_first,
    a_listing_s_count_follows_every_change_to_what_it_counts,
    category_filter_includes_descendants,
    tag_author_and_date_filters,
    terms_are_shared_between_posts,
    only_approved_comments_are_counted,
    a_post_page_s_read_counts_comments_only_behind_a_password,
    comment_parent_must_belong_to_the_post,
    failed_post_leaves_nothing_behind,
    comment_moderation_round_trips,
    settings_are_initialised_once,
    spam_training_counts_once_and_relabels,
    spam_training_of_long_and_simultaneous_comments_counts_every_word,
    trash_remembers_where_a_comment_was,
    comments_name_the_account_that_wrote_them,
    due_scheduled_posts_become_published,
    comment_checks_hold_under_simultaneous_sends,
    simultaneous_moderation_keeps_status_and_lesson_together,
    slugs_stay_unique_under_simultaneous_writes,
    a_transaction_the_database_ended_leaves_every_connection_usable,
    kept_read_connections_see_every_write_and_outlive_lost_connections,
    category_parents_cannot_form_a_loop,
    editor_queries_leave_out_what_they_are_asked_to,
);

mod byline_cases {
    dateline_testkit::store_cases!(crate::bylines:
        attribution_lines_find_their_outlets_and_reporters,
        a_post_s_reporters_keep_the_line_s_order_and_terms_come_by_name,
        renames_keep_old_slugs_and_merges_move_everything,
        related_posts_rank_story_then_byline_then_tags,
        a_blog_from_before_bylines_gets_its_posts_linked,
        a_post_page_s_surroundings_are_what_the_separate_reads_give,
        a_post_s_comments_version_moves_with_every_write_to_them,
        numbers_moved_past_a_restore_are_none_given_before_it,
        the_content_version_moves_with_every_write_to_what_pages_show_of_other_posts,
    );
}

mod search_cases {
    dateline_testkit::store_cases!(crate::search:
        the_corpus_finds_the_same_posts_in_the_same_order,
        the_index_follows_every_write,
        relevance_and_date_order,
        comments_are_found_by_text_name_and_address,
        imported_comments_are_found_across_the_import_s_batches,
        a_blog_imported_before_merging_gets_its_indexes_merged,
        a_blog_from_before_search_gets_its_index_built,
        a_search_ranks_its_newest_five_hundred_matches_then_lists_the_rest_by_date,
        readers_find_exactly_what_they_may_see_as_it_changes,
        a_blog_from_before_the_reader_index_gets_it_built,
        readers_are_answered_from_the_reader_index,
        readers_pages_come_from_the_reader_index_in_either_order,
        readers_find_a_phrase_as_the_general_search_does,
        readers_find_a_prefix_as_the_general_search_does,
        a_readers_search_page_brings_the_site_frame,
        a_reader_index_from_before_word_pairs_is_written_again,
        the_search_indexes_say_what_they_take,
    );
}

mod source_cases {
    dateline_testkit::store_cases!(crate::sources:
        sources_come_from_cited_posts_and_keep_what_checks_found,
        moved_links_are_rewritten_to_their_final_address,
        a_lease_has_one_holder_until_it_expires,
    );
}

mod embed_cases {
    dateline_testkit::store_cases!(crate::embeds:
        embeds_keep_the_latest_answer_and_their_thumbnail,
    );
}

mod each_method {
    dateline_testkit::store_cases!(crate::methods:
        backend_name,
        watch_changes_hears_every_committed_write,
        next_scheduled_is_the_earliest_future_post,
        comment_tree_and_comments_by_ids,
        comment_lists_keep_every_field_and_character,
        setting_and_set_setting,
        all_posts_users_and_public_author_ids,
        delete_post,
        sitemap_entries_and_post_counts,
        term_post_counts_and_delete_term,
        delete_comment_and_update_comment_body,
        accounts_create_find_and_change,
        delete_user,
        sessions_start_find_and_end,
        login_failures_count_and_clear,
        application_passwords,
        import_sessions_write_all_or_nothing,
    );
}

#[test]
fn migration_trees_have_the_same_versions_and_names() {
    use dateline_store::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE};
    let names = |m: &[dateline_store::Migration]| m.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
    assert_eq!(names(MIGRATIONS_SQLITE), names(MIGRATIONS_POSTGRES));
    // Every file on disk is embedded, in both trees.
    for (dir, embedded) in [("sqlite", MIGRATIONS_SQLITE), ("postgres", MIGRATIONS_POSTGRES)] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
        let mut on_disk: Vec<String> = std::fs::read_dir(&path)
            .expect("migrations dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().trim_end_matches(".sql").to_string())
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = embedded.iter().map(|m| m.name.to_string()).collect();
        assert_eq!(on_disk, embedded, "{dir}");
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let test = dateline_testkit::fresh_sqlite().await;
    assert_eq!(test.store.pragma("journal_mode").await.expect("pragma"), "wal");
    assert_eq!(test.store.pragma("foreign_keys").await.expect("pragma"), "1");
}

/// A new file another connection is writing to (in rollback mode: another instance starting
/// at the same moment, switching it to WAL) is opened once that write ends; SQLite refuses the
/// switch at once meanwhile, without waiting, and opening used to fail then.
#[tokio::test]
async fn a_new_file_being_written_elsewhere_opens_once_the_write_ends() {
    use sqlx::{Connection, Executor};
    let dir = std::env::temp_dir().join(dateline_testkit::unique_name("dateline_wal_switch"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("dateline.db");
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.expect("connect");
    other.execute("CREATE TABLE elsewhere (x INTEGER); BEGIN IMMEDIATE; INSERT INTO elsewhere VALUES (1)").await.expect("write");

    let url = format!("sqlite:{}", path.display());
    let ended = std::sync::atomic::AtomicBool::new(false);
    let opening = async {
        let opened = dateline_store::SqlStore::open(&url).await;
        assert!(ended.load(std::sync::atomic::Ordering::SeqCst), "opening did not wait for the other write: {opened:?}");
        opened
    };
    let writing = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        ended.store(true, std::sync::atomic::Ordering::SeqCst);
        other.execute("COMMIT").await.expect("commit");
    };
    let (opened, ()) = tokio::join!(opening, writing);
    let store = opened.expect("opened once the write ended");
    assert_eq!(store.pragma("journal_mode").await.expect("pragma"), "wal");
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn unusable_urls_are_explained() {
    let err = dateline_store::SqlStore::open("mysql://localhost/x").await.expect_err("scheme");
    assert!(err.to_string().contains("sqlite:PATH"), "{err}");
    let err = dateline_store::SqlStore::open("sqlite:/no/such/dir/x.db").await.expect_err("dir");
    assert!(err.to_string().contains("/no/such/dir"), "{err}");
    let err = dateline_store::SqlStore::open("postgres://nobody:hunter2@127.0.0.1:1/x").await.expect_err("connect");
    assert!(!err.to_string().contains("hunter2"), "password leaked: {err}");
}

mod media_cases {
    dateline_testkit::store_cases!(crate::media:
        an_upload_round_trips_and_its_files_are_served_by_hash,
        many_items_come_with_their_variants_in_one_call,
        the_library_is_searched_and_filtered_by_type_and_month,
        edits_usage_and_deletes,
        a_failed_upload_leaves_no_row_and_no_file,
        fetched_files_fill_imported_records_and_are_known_by_their_old_address,
    );
}
