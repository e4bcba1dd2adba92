//! Importing real WordPress exports (the shared fixtures) into each store, and serving them.

mod cases;
mod hostile;

dateline_testkit::store_cases!(crate::cases:
    theme_unit_test_data_imports_with_everything,
    old_urls_answer_200_or_301,
    every_fixture_imports,
    nested_cdata_is_repaired_with_a_warning,
    broken_and_hostile_files_change_nothing,
    reimport_updates_instead_of_duplicating,
    dry_run_writes_nothing,
    export_then_import_gives_the_same_store,
    old_permalink_structures_keep_working,
    password_protected_posts_ask_for_the_password,
    import_into_a_blog_that_already_has_posts,
    galleries_find_images_attached_later_in_the_file,
    imported_attribution_fills_outlets_and_reporters,
);

mod hostile_cases {
    dateline_testkit::store_cases!(crate::hostile:
        feeds_wide_text_and_deep_xml_are_refused_plainly,
        reply_loops_are_broken_at_import_and_replies_to_them_end,
        hostile_content_imports_in_linear_time_and_is_reported_per_item,
        long_threads_cross_batches_and_import_again_in_place,
    );
}
